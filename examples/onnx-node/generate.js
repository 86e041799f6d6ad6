// Rows of a Microsoft.ML.Gan generator, made by onnxruntime-node from the seed-and-rows graph
// (`mlgan export --model m.zip --out m.onnx`, or SaveAsOnnx(path, GanOnnxInputs.SeedAndRows) in .NET).
// Row i of seed s is the row .NET's Generate(rows, s, firstRow) makes at position i, bit for bit.
//
//   node generate.js m.onnx --seed 7 --first-row 1000000 --rows 50000 [--batch 8192] > part.csv
//
// Writes CSV to stdout: a header, then one line a row; a missing number is an empty field, text is quoted
// where it must be. Numbers are written as JavaScript prints them (shortest round-trip text of the value).
'use strict';
const ort = require('onnxruntime-node');

function parseArguments(argv) {
  const options = { seed: null, firstRow: 0n, rows: null, batch: 8192 };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const take = () => {
      if (i + 1 >= argv.length) fail(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--seed': options.seed = integer(take(), '--seed'); break;
      case '--first-row': options.firstRow = integer(take(), '--first-row'); break;
      case '--rows': options.rows = integer(take(), '--rows'); break;
      case '--batch': options.batch = Number(integer(take(), '--batch')); break;
      default: rest.push(argv[i]);
    }
  }
  if (rest.length !== 1) fail('give one .onnx file (the seed-and-rows graph)');
  if (options.seed === null || options.rows === null) fail('--seed and --rows are required');
  if (options.seed < -(2n ** 31n) || options.seed >= 2n ** 31n) fail('--seed takes an int, as .NET\'s Generate does');
  if (options.firstRow < 0n || options.rows < 0n) fail('--first-row and --rows cannot be negative');
  if (options.batch < 1) fail('--batch must be at least 1');
  return { path: rest[0], ...options };
}

function integer(text, name) {
  if (!/^-?\d+$/.test(text)) fail(`${name} takes a whole number, not '${text}'`);
  return BigInt(text);
}

function fail(message) {
  process.stderr.write(`generate.js: ${message}\nusage: node generate.js m.onnx --seed S --rows N [--first-row F] [--batch B]\n`);
  process.exit(2);
}

function csvField(text) {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(tensor, i) {
  const v = tensor.data[i];
  switch (tensor.type) {
    case 'float32':
    case 'float64': return Number.isNaN(v) ? '' : String(v);
    case 'bool': return v ? 'true' : 'false';
    case 'string': return csvField(v);
    default: return String(v); // integers; int64 (dates, durations: microseconds) as BigInt
  }
}

async function main() {
  const { path, seed, firstRow, rows, batch } = parseArguments(process.argv.slice(2));
  const session = await ort.InferenceSession.create(path);
  if (session.inputNames.join(',') !== 'Seed,Row')
    fail(`${path} takes the inputs ${session.inputNames.join(', ')}: export the seed-and-rows graph (mlgan export --inputs seed-and-rows)`);
  const columns = session.outputNames.filter(name => name !== 'Attempt');
  const out = process.stdout;
  out.write(columns.map(csvField).join(',') + '\n');
  const seedTensor = new ort.Tensor('int64', BigInt64Array.from([seed]), [1]);
  for (let start = 0n; start < rows; start += BigInt(batch)) {
    const n = Number(rows - start < BigInt(batch) ? rows - start : BigInt(batch));
    const indices = new BigInt64Array(n);
    for (let i = 0; i < n; i++) indices[i] = firstRow + start + BigInt(i);
    const results = await session.run({ Seed: seedTensor, Row: new ort.Tensor('int64', indices, [n]) });
    const tensors = columns.map(name => results[name]);
    const lines = new Array(n);
    for (let i = 0; i < n; i++) lines[i] = tensors.map(t => cell(t, i)).join(',');
    if (!out.write(lines.join('\n') + '\n')) await new Promise(resolve => out.once('drain', resolve));
  }
}

main().catch(error => {
  process.stderr.write(`generate.js: ${error.message}\n`);
  process.exit(1);
});
