// One forward pass of an ONNX model through ONNX Runtime (npm
// onnxruntime-node, CPU, one intra-op thread) on constant inputs of the
// given shapes, for peak-rss.sh: prints the run's milliseconds.
//   node ort_peak.js MODEL.onnx NAME=DTYPE:D0,D1,... [...]
const ort = require('onnxruntime-node');

(async () => {
  const [model, ...specs] = process.argv.slice(2);
  const session = await ort.InferenceSession.create(
      model, {intraOpNumThreads: 1, interOpNumThreads: 1});
  const feeds = {};
  for (const spec of specs) {
    const [name, rest] = spec.split('=');
    const [dtype, dims] = rest.split(':');
    const shape = dims.split(',').map(Number);
    const count = shape.reduce((a, b) => a * b, 1);
    feeds[name] = dtype === 'int64'
        ? new ort.Tensor('int64', new BigInt64Array(count).fill(65n), shape)
        : new ort.Tensor('float32', new Float32Array(count).fill(0.5), shape);
  }
  const start = process.hrtime.bigint();
  await session.run(feeds);
  console.log(`ms ${Number(process.hrtime.bigint() - start) / 1e6}`);
})().catch((e) => {
  console.error(`ort_peak.js: ${e}`);
  process.exit(1);
});
