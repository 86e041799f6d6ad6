// The benchmarks measure the machine's load with the library's own measure (the one its training uses to choose threads).
global using CpuLoad = Microsoft.ML.Gan.Common.MachineLoad;
