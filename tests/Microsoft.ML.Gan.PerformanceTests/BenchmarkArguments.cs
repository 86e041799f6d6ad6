using System.Globalization;

namespace Microsoft.ML.Gan.PerformanceTests;

/// <summary>The command line: which benchmark and its options.</summary>
internal sealed class BenchmarkArguments
{
    public const string Usage =
        """
        Usage: dotnet run -c Release --project tests/Microsoft.ML.Gan.PerformanceTests -- <benchmark> [options]

        Benchmarks:
          train      Train on Adult with the default architecture (or --classic); compare with a bare TorchSharp
                     loop of the same networks and step and with this machine's matmul rate.
          generate   Generate rows with Generate() (ONNX Runtime) and read every column through a cursor; compare
                     with the TorchSharp path, the bare generator forward pass and the compute limit; then
                     Transform of a noise view against ML.NET's ApplyOnnxModel on the same graph.
          memory     Generate many rows through a cursor and sample the process's memory as it goes.
          quality    Train on adult_train.csv (or --table), generate as many rows, evaluate against adult_test.csv
                     (or the table's held-out rows): quality score, detection AUCs, FastTree efficacy (synthetic- vs
                     real-trained), copies and distance to the closest record, what gives the rows away.
          calibration The stages after training (calibration, density-ratio filter, calibration through it) run
                     again on a saved --model's generator, with --table (or Adult) as its training rows: each
                     column's shape and missing share after each stage, and on fresh rows of the result; flags a
                     column a stage leaves clearly worse (no training, no evaluation: quick after a change to them).
          summary    Mean ± standard deviation of the figures of quality runs, from their --json files (arguments),
                     per table and settings: e.g. summary q-adult-1.json q-adult-2.json q-adult-3.json.
          concurrent Train on Adult in one process alone, then in --processes processes at once, with the library's
                     automatic thread count and with every core's threads fixed (TrainingThreads): how much a
                     second training on the machine costs each.
          soak       Many small trainings (--trainings, default 10; --epochs, default 3000) in one process while another
                     thread allocates without pause: garbage collections land inside TorchSharp's native calls.

        Options:
          --data <path>        adult_train.csv, or the folder holding it. Default: ../shared/data next to the
                               repository root (the folder with Microsoft.ML.Gan.sln or Directory.Packages.props).
          --table <csv>        quality: any CSV with a header instead of Adult; column kinds inferred (numbers,
                               whole numbers, text; empty/NA/? missing), 20 % of rows held out (split seed 0).
          --label <column>     quality with --table: the efficacy test's label (binary, multiclass or numeric).
          --split-by <column>  quality with --table: hold out whole groups of rows, every row of a value of <column>
                               in the same part (a patient's visits all trained on or all held out), so that the
                               holdout is of people the model never saw: what attribute inference and copies are
                               read against on a table of several rows a person.
          --columns <list>     quality with --table: kinds that override the inference, e.g. "year:text,age:float"
                               (kinds: int, float, text, bool).
          --epochs <n>         train: epochs to train (default 3). generate/memory: epochs of the model they
                               train when no --model is given (default 1).
          --rows <n>           generate: rows to generate (default 1,000,000); memory: (default 10,000,000).
                               Suffixes k and M are accepted (e.g. 10M).
          --set Name=Value     train/quality/generate/memory: set a GanTrainer.Options property of the model trained
                               (repeatable), e.g. --set Loss=WassersteinGp, --set DensityRatioFilter=false
                               --set GeneratorLayers=256x256.
          --classic            train/generate/memory/quality: train with GanTrainer.Options.Classic() (plain GAN: min-max
                               columns, no condition, pac 1, plain layers, non-saturating loss) instead of the defaults.
          --compare-batchnorm  quality: also evaluate rows generated in training mode (batch statistics).
          --compare-argmax     quality: also evaluate rows whose categories are the argmax (the ArgMax ONNX graph).
          --compare-level-maps quality: also run Fit's last stages again on the same generator with its levels of
                               categories unmapped (format 40) and with a map after each (EntityLevel.Calibration;
                               fitted on the training rows where a saved --model has none), and evaluate both.
          --compare-bootstrap  quality: also evaluate a bootstrap of the training rows (ML.NET's BootstrapSample, seeded
                               by --seed): a sampler of exactly the training distribution, so its figures are the
                               ceilings sampling noise leaves on that table (its copies are 100 % by construction).
          --compare-asked      quality: for each class of a categorical label (2 % of the rows or more), rows asked for
                               with that class (as Augment asks), found as Generate finds them and made by the
                               generator conditioned on the class, each evaluated against the training rows of the
                               class (shapes, pairs, detection; no efficacy: the label is constant).
          --compare-augment    quality: the end use of Augment: the efficacy learner (FastTree, tested on the held-out
                               rows) trained on the training rows with every class raised to the largest by Augment,
                               by the conditioned generator alone, and by repeating real rows of the class (random
                               oversampling), and on the training rows with as many ordinary generated rows added;
                               each against the learner trained on the training rows alone (F1 of the rarer class,
                               AUC; macro F1 for several classes).
          --compare-unmapped   quality: also evaluate the same model without its numeric maps, and without any marginal
                               calibration (shares and maps), both without column dependencies (what ExactMarginals =
                               ExactDependencies = false generates).
          --compare-grouped    quality: also run Fit's last stages (calibration, filter) again on the same
                               generator without grouped marginal maps (GroupedMarginals), grouped by
                               categories only, and grouped by numbers of few values too, and evaluate
                               all three: an A/B of the grouping alone, e.g. on a saved --model.
          --compare-dependencies quality: also evaluate the same generator without its column dependencies, its
                               marginals calibrated again without them (what ExactDependencies = false generates).
          --compare-exclusions quality: also run Fit's last stages again on the same generator with and without
                               its category exclusions (CategoryExclusions; found on the training rows where a
                               saved --model has none), and evaluate both: an A/B of the exclusions alone.
          --compare-missing-together quality: also run Fit's last stages again on the same generator with and
                               without its columns missing together (MissingTogether; found on the training rows
                               where a saved --model has none), and evaluate both: an A/B of the rule alone.
          --compare-density-filter quality: also evaluate the same model with a density-ratio filter trained on it
                               (what DensityRatioFilter = true generates from a model trained without one; a
                               model with a filter is settled again without it first, and evaluated so too);
                               GAN_FILTER_QUANTILES=0.9,0.95 tries several threshold quantiles, GAN_FILTER_HIDDEN=256,256
                               another classifier, GAN_FILTER_SAVE=f.zip saves the filtered model.
          --curve <epochs|none> quality: also evaluate the model as runs of these epochs would return it (snapshots
                               of the one training, e.g. --curve 10,30,100), for a curve of quality against training
                               time. Default: a tenth and a third of --epochs; none turns it off.
          --numbers-as-single  quality: load Adult's integer columns as Single, as many ML.NET samples load tables.
          --rule <a<b>         quality: a constraint every generated row keeps (repeatable): a<b, a<=b or a<=x<=b, each
                               side a column or a constant (a number, or an ISO date for a date column), e.g.
                               --rule "entry.dt<end.dt". The rows breaking the rules are counted in every evaluation.
          --rules-unenforced   quality: count the rows breaking the --rule rules, but train without them (a baseline).
          --sensitive <list>   quality: measure attribute inference of these columns (comma-separated): the share of
                               training rows, and of held-out rows, whose value the closest synthetic row on the known
                               columns gives, and the risk read from the two.
          --known <list>       quality, with --sensitive: the columns the attacker knows (default: every other one).
          --transform-rows <n> generate: rows of the Transform comparison (default 100,000).
          --model <path>       generate/memory/quality/calibration: load this model (zip or .onnx) instead of training one.
          --save-model <path>  train/generate/memory/quality: save the model trained here; calibration: the model
                               settled again (GAN_LEVEL_MAPS=0 settles its levels unmapped, as format 40 did).
          --seed <n>           seed of training and generation (default 1; generation uses seed 7).
          --threads <n>        libtorch's intra-op threads (default: TorchSharp's choice; while training, the
                               library's automatic count). Training takes it as Options.TrainingThreads.
          --device <d>         train/generate/memory/quality: cpu (default), cuda or auto. The library trains there, and
                               the bare loops and the matmul yardstick run there too (CUDA clocks read after a
                               synchronize); generation asks ONNX Runtime for the same GPU, falling back to its CPU
                               provider without the GPU package (the report says which ran). cuda on a machine
                               without one exits with code 4, saying why.
          --processes <n>      concurrent: trainings at once (default 2).
          --trainings <n>      soak: trainings one after another (default 10).
          --json <path>        also write the figures as JSON (atomically: a temporary file, then a rename).
          -h, --help           this text.

        Exit codes: 0 done, 1 bad command line, 2 the Adult data was not found, 3 --model or the data file is unreadable,
        4 --device names a device this machine does not have.
        """;

    // "fit" is the worker the concurrent benchmark starts: it trains and writes its epoch times to --json.
    private static readonly string[] s_benchmarks = ["train", "generate", "memory", "quality", "calibration", "summary", "concurrent", "soak", "fit"];

    public string Benchmark { get; private init; } = "";
    public bool Help { get; private init; }
    public string? DataPath { get; private init; }
    public string? TablePath { get; private init; }
    public string? Label { get; private init; }
    public List<(string Name, Microsoft.ML.Data.DataKind Kind)>? ColumnKinds { get; private init; }

    /// <summary>--split-by: the column whose values keep their rows together in the split; null for a split by rows.</summary>
    public string? SplitBy { get; private init; }
    public List<string> Files { get; private init; } = [];
    public int? Epochs { get; private init; }
    public long? Rows { get; private init; }
    public long? TransformRows { get; private init; }
    public List<(string Name, string Value)> Settings { get; private init; } = [];
    public bool CompareBatchNorm { get; private init; }
    public bool CompareArgMax { get; private init; }
    public bool CompareBootstrap { get; private init; }
    public bool CompareAsked { get; private init; }
    public bool CompareAugment { get; private init; }
    public bool CompareLevelMaps { get; private init; }
    public bool CompareUnmapped { get; private init; }
    public bool CompareDependencies { get; private init; }
    public bool CompareExclusions { get; private init; }
    public bool CompareMissingTogether { get; private init; }
    public bool CompareGrouped { get; private init; }
    public bool CompareDensityFilter { get; private init; }
    public bool NumbersAsSingle { get; private init; }
    public List<string> Rules { get; private init; } = [];

    /// <summary>--sensitive: the columns whose attribute inference quality measures; empty for none.</summary>
    public List<string> Sensitive { get; private init; } = [];

    /// <summary>--known: the columns the attacker of <see cref="Sensitive"/> knows; empty for every other one.</summary>
    public List<string> Known { get; private init; } = [];
    public bool RulesUnenforced { get; private init; }

    /// <summary>quality: the epochs of the curve's snapshots; null for the default (a tenth and a third of the epochs).</summary>
    public int[]? CurveEpochs { get; private init; }
    public bool Classic { get; private init; }
    public string? ModelPath { get; private init; }
    public string? SaveModelPath { get; private init; }
    public int Seed { get; private init; } = 1;
    public int? Threads { get; private init; }

    /// <summary>Where train, generate, memory and quality run their torch work and train (--device; default the CPU).</summary>
    public GanDevice Device { get; private init; } = GanDevice.Cpu;
    public string? JsonPath { get; private init; }
    public int Processes { get; private init; } = 2;
    public int Trainings { get; private init; } = 10;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static BenchmarkArguments Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0) throw new ArgumentException("Name a benchmark: train, generate, memory or quality.");
        if (args.Any(a => a is "-h" or "--help")) return new BenchmarkArguments { Help = true };

        string benchmark = args[0];
        if (!s_benchmarks.Contains(benchmark))
            throw new ArgumentException($"Unknown benchmark '{benchmark}'. Choose one of: {string.Join(", ", s_benchmarks)}.");

        string? data = null, model = null, saveModel = null, json = null, table = null, label = null;
        List<(string, Microsoft.ML.Data.DataKind)>? columnKinds = null;
        string? splitBy = null;
        var files = new List<string>();
        int? epochs = null, threads = null;
        int[]? curve = null;
        long? rows = null, transformRows = null;
        var settings = new List<(string, string)>();
        var rules = new List<string>();
        List<string> sensitive = [], known = [];
        static List<string> List(string value) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        bool rulesUnenforced = false;
        bool compareBatchNorm = false, classic = false, compareArgMax = false, compareUnmapped = false, compareDependencies = false, compareExclusions = false, compareMissingTogether = false, compareGrouped = false, compareDensityFilter = false, compareBootstrap = false, compareAsked = false, compareAugment = false, compareLevelMaps = false, numbersAsSingle = false;
        int seed = 1, processes = 2, trainings = 10;
        var device = GanDevice.Cpu;
        for (int i = 1; i < args.Count; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {name} needs a value.");
            switch (name)
            {
                case "--data": data = Value(); break;
                case "--table": table = Value(); break;
                case "--label": label = Value(); break;
                case "--columns": columnKinds = ParseColumns(Value()); break;
                case "--split-by": splitBy = Value(); break;
                case "--epochs": epochs = PositiveInt(name, Value()); break;
                case "--rows": rows = PositiveCount(name, Value()); break;
                case "--transform-rows": transformRows = PositiveCount(name, Value()); break;
                case "--compare-batchnorm": compareBatchNorm = true; break;
                case "--compare-argmax": compareArgMax = true; break;
                case "--compare-bootstrap": compareBootstrap = true; break;
                case "--compare-level-maps": compareLevelMaps = true; break;
                case "--compare-asked": compareAsked = true; break;
                case "--compare-augment": compareAugment = true; break;
                case "--compare-unmapped": compareUnmapped = true; break;
                case "--compare-dependencies": compareDependencies = true; break;
                case "--compare-exclusions": compareExclusions = true; break;
                case "--compare-missing-together": compareMissingTogether = true; break;
                case "--compare-grouped": compareGrouped = true; break;
                case "--compare-density-filter": compareDensityFilter = true; break;
                case "--numbers-as-single": numbersAsSingle = true; break;
                case "--rule": rules.Add(Value()); break;
                case "--rules-unenforced": rulesUnenforced = true; break;
                case "--sensitive": sensitive = List(Value()); break;
                case "--known": known = List(Value()); break;
                case "--curve":
                    string points = Value();
                    curve = points == "none" ? [] : points.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => PositiveInt(name, p)).Distinct().Order().ToArray();
                    break;
                case "--classic": classic = true; break;
                case "--set":
                    string assignment = Value();
                    int eq = assignment.IndexOf('=');
                    if (eq <= 0) throw new ArgumentException($"--set needs Name=Value; got '{assignment}'.");
                    settings.Add((assignment[..eq], assignment[(eq + 1)..]));
                    break;
                case "--model": model = Value(); break;
                case "--save-model": saveModel = Value(); break;
                case "--seed": seed = int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s : throw new ArgumentException($"{name} needs an integer."); break;
                case "--threads": threads = PositiveInt(name, Value()); break;
                case "--device":
                    string deviceName = Value();
                    device = deviceName.ToLowerInvariant() switch
                    {
                        "cpu" => GanDevice.Cpu,
                        "cuda" => GanDevice.Cuda,
                        "auto" => GanDevice.Auto,
                        _ => throw new ArgumentException($"--device takes cpu, cuda or auto; got '{deviceName}'."),
                    };
                    break;
                case "--json": json = Value(); break;
                case "--processes": processes = PositiveInt(name, Value()); break;
                case "--trainings": trainings = PositiveInt(name, Value()); break;
                default:
                    if (benchmark == "summary" && !name.StartsWith("--", StringComparison.Ordinal)) { files.Add(name); break; }
                    throw new ArgumentException($"Unknown option '{name}'.");
            }
        }
        if (benchmark == "summary" && files.Count == 0) throw new ArgumentException("summary needs the --json files of quality runs.");
        if (splitBy is not null && table is null) throw new ArgumentException("--split-by splits a --table's rows: give --table too.");
        if ((table is not null || label is not null || columnKinds is not null) && benchmark is not ("quality" or "calibration"))
            throw new ArgumentException("--table, --label and --columns apply to quality and calibration.");
        if (benchmark == "calibration" && model is null) throw new ArgumentException("calibration settles a saved model's generator again: give --model.");
        if (table is not null && data is not null) throw new ArgumentException("--data points at Adult; --table names another table. Give one.");
        if (model is not null && benchmark == "train")
            throw new ArgumentException("--model applies to generate, memory and quality; train always trains.");
        if (curve is not null && (benchmark != "quality" || model is not null))
            throw new ArgumentException("--curve applies to quality when it trains (not with --model): its points are snapshots of that training.");
        if ((rules.Count > 0 || rulesUnenforced) && benchmark != "quality") throw new ArgumentException("--rule and --rules-unenforced apply to quality.");
        if (rulesUnenforced && rules.Count == 0) throw new ArgumentException("--rules-unenforced counts the rows breaking the --rule rules: give at least one.");
        if ((sensitive.Count > 0 || known.Count > 0) && benchmark != "quality") throw new ArgumentException("--sensitive and --known apply to quality.");
        if (known.Count > 0 && sensitive.Count == 0) throw new ArgumentException("--known names what the attacker of the --sensitive columns knows: give --sensitive too.");
        if (device != GanDevice.Cpu && benchmark is not ("train" or "generate" or "memory" or "quality"))
            throw new ArgumentException("--device applies to train, generate, memory and quality.");
        if (settings.Count > 0 && benchmark is not ("quality" or "calibration" or "generate" or "memory" or "train"))
            throw new ArgumentException("--set applies to train, quality, calibration, generate and memory (the options of the model they train or settle).");
        if (settings.Count > 0 && model is not null && benchmark is not ("quality" or "calibration"))
            throw new ArgumentException("--set chooses the options of the model generate and memory train; with --model nothing is trained.");
        if (classic && model is not null)
            throw new ArgumentException("--classic chooses the options of the model trained here; with --model nothing is trained.");

        return new BenchmarkArguments
        {
            Benchmark = benchmark, DataPath = data, Epochs = epochs, Rows = rows, TransformRows = transformRows, Settings = settings, CompareBatchNorm = compareBatchNorm, CompareArgMax = compareArgMax, CompareUnmapped = compareUnmapped, CompareDependencies = compareDependencies, CompareExclusions = compareExclusions, CompareMissingTogether = compareMissingTogether, CompareGrouped = compareGrouped, CompareDensityFilter = compareDensityFilter, CompareBootstrap = compareBootstrap, CompareAsked = compareAsked, CompareAugment = compareAugment, CompareLevelMaps = compareLevelMaps, NumbersAsSingle = numbersAsSingle, CurveEpochs = curve, Classic = classic, ModelPath = model,
            TablePath = table, Label = label, ColumnKinds = columnKinds, SplitBy = splitBy, Files = files, Rules = rules, RulesUnenforced = rulesUnenforced, Sensitive = sensitive, Known = known,
            SaveModelPath = saveModel, Seed = seed, Threads = threads, Device = device, JsonPath = json, Processes = processes, Trainings = trainings,
        };
    }

    private static List<(string, Microsoft.ML.Data.DataKind)> ParseColumns(string list)
    {
        var kinds = new Dictionary<string, Microsoft.ML.Data.DataKind>(StringComparer.OrdinalIgnoreCase)
        {
            ["int"] = Microsoft.ML.Data.DataKind.Int32, ["float"] = Microsoft.ML.Data.DataKind.Single,
            ["text"] = Microsoft.ML.Data.DataKind.String, ["bool"] = Microsoft.ML.Data.DataKind.Boolean,
        };
        var columns = new List<(string, Microsoft.ML.Data.DataKind)>();
        foreach (string item in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = item.LastIndexOf(':');
            if (colon <= 0 || !kinds.TryGetValue(item[(colon + 1)..], out var kind))
                throw new ArgumentException($"--columns: '{item}' is not name:kind; kinds are {string.Join(", ", kinds.Keys)}.");
            columns.Add((item[..colon], kind));
        }
        return columns;
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v
            : throw new ArgumentException($"{name} needs a positive integer; got '{text}'.");

    /// <summary>A positive count, optionally with a k (thousand) or M (million) suffix and _ or , separators.</summary>
    private static long PositiveCount(string name, string text)
    {
        string t = text.Replace("_", "").Replace(",", "");
        long scale = 1;
        if (t.EndsWith('k') || t.EndsWith('K')) { scale = 1_000; t = t[..^1]; }
        else if (t.EndsWith('M') || t.EndsWith('m')) { scale = 1_000_000; t = t[..^1]; }
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v * scale <= long.MaxValue / 2
            && Math.Abs(v * scale - Math.Round(v * scale)) < 1e-9)
            return (long)Math.Round(v * scale);
        throw new ArgumentException($"{name} needs a positive whole number (e.g. 1000000, 1_000_000 or 1M); got '{text}'.");
    }
}
