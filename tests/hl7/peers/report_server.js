// A report receiver made with node-hl7-server (MIT): every message received is written, as received, to
// OUT_DIR/NNN.hl7 and acknowledged AA by the library's own ACK builder. With MODE "hold-first" the first
// message gets no acknowledgement at all (the connection stays open), as a receiver that dies after
// reading would behave; with MODE "reject" every message is answered AE. Usage: node report_server.js PORT OUT_DIR [MODE]
const fs = require('fs');
const path = require('path');
const { Server } = require('node-hl7-server');

const port = Number(process.argv[2]);
const outDir = process.argv[3];
const mode = process.argv[4] || 'ack';
let count = 0;
const server = new Server({ bindAddress: '127.0.0.1' });
const inbound = server.createInbound({ port }, async (req, res) => {
  count += 1;
  const n = String(count).padStart(3, '0');
  const text = req.getMessage().toString();
  fs.writeFileSync(path.join(outDir, `${n}.tmp`), text);
  fs.renameSync(path.join(outDir, `${n}.tmp`), path.join(outDir, `${n}.hl7`));
  if (mode === 'hold-first' && count === 1) {
    return;  // read, never acknowledged
  }
  await res.sendResponse(mode === 'reject' ? 'AE' : 'AA');
});
inbound.on('data.raw', (raw) => {
  fs.writeFileSync(path.join(outDir, `raw-${String(count + 1).padStart(3, '0')}.txt`), raw);
});
inbound.on('listen', () => { process.stdout.write('listening\n'); });
process.on('SIGTERM', async () => { await inbound.close(); process.exit(0); });
