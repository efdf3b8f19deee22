// Send one HL7 message with node-hl7-client (MIT, an HL7 implementation cathlog did not write) and print
// the acknowledgement it receives. Usage: node adt_send.js PORT MESSAGE_FILE
// The message file holds segments separated by CR. Exit 0 with the ACK on stdout; 2 on a timeout.
const fs = require('fs');
const { Client, Message } = require('node-hl7-client');

const port = Number(process.argv[2]);
const text = fs.readFileSync(process.argv[3], 'utf8');
const message = new Message({ text });
const version = message.get('MSH.12').toString();
const client = new Client({ host: '127.0.0.1', version });
const timer = setTimeout(() => { console.error('no acknowledgement within 15 s'); process.exit(2); }, 15000);
const outbound = client.createConnection({ port, waitAck: true }, async (res) => {
  clearTimeout(timer);
  process.stdout.write(res.getMessage().toString());
  await outbound.close();
  process.exit(0);
});
outbound.sendMessage(message).catch((err) => { console.error(String(err)); process.exit(3); });
