// A Node parent of `ipc echo`: node echo-parent.js IPC_SCRIPT
// Spawns `IPC_SCRIPT echo fd:env:NODE_CHANNEL_FD` with an 'ipc' stdio entry, sends every test
// message at once with child.send, disconnects when as many have come back, and checks that they
// came back unchanged and in order and that the child exited 0. Prints "ok N" or "error ...".
'use strict';
const { spawn } = require('child_process');
const assert = require('assert');

const messages = [
  'a string',
  42,
  { nested: { list: [1, 'two', null, true, { deeper: [] }] } },
  'grüß dich, 世界, 🎉',
  ['mixed', 3.25, { 'ключ': 'значение' }],
];
const received = [];

const child = spawn(process.argv[2], ['echo', 'fd:env:NODE_CHANNEL_FD'],
  { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
const timer = setTimeout(() => { console.log('error: timed out'); child.kill('SIGKILL'); process.exit(1); }, 60000);
child.on('message', (m) => {
  received.push(m);
  if (received.length === messages.length) {
    child.disconnect();
  }
});
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  try {
    assert.deepStrictEqual(received, messages);
    assert.strictEqual(code, 0, 'exit code');
  } catch (e) {
    console.log('error: ' + e.message.replace(/\n/g, ' ') + ' (child exited ' + code + '/' + signal + ')');
    process.exit(1);
  }
  console.log('ok ' + received.length);
});
messages.forEach((m) => child.send(m));
