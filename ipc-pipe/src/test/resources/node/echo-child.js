// A Node child of a Java parent (Spawn.node): answers every message through Node's own IPC.
//   {"cmd": "garbage"}  writes a malformed line straight onto the channel's fd
//   {"cmd": "exit", "code": N}  exits with code N
//   anything else       is sent back as {"echo": message}
'use strict';
const fs = require('fs');

process.on('message', (m) => {
  if (m && m.cmd === 'garbage') {
    fs.writeSync(Number(process.env.IPCKIT_TEST_FD || 3), '{"broken": tru}\n');
  } else if (m && m.cmd === 'exit') {
    process.exit(m.code);
  } else {
    process.send({ echo: m });
  }
});
process.on('disconnect', () => process.exit(0));
