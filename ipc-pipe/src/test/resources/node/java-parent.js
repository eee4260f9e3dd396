// A Node parent of a Java child: node java-parent.js JAVA CLASSPATH MAINCLASS
// Spawns the Java child with an 'ipc' stdio entry, sends each test message, expects it back as
// {"echo": message}, then disconnects and expects the child to exit 0. Prints "ok N" or "error ...".
'use strict';
const { spawn } = require('child_process');
const assert = require('assert');

const [java, cp, main] = process.argv.slice(2);
const messages = [
  'a string',
  42,
  -1.5e-7,
  { nested: { list: [1, 'two', null, true, { deeper: [] }] } },
  'grüß dich, 世界, 🎉',
  ['mixed', 3.25, { 'ключ': 'значение' }],
  'quote " back\\slash\nnew line',
];

const child = spawn(java, ['-Xmx64m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', cp, main],
  { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
const timer = setTimeout(() => { console.log('error: timed out'); child.kill('SIGKILL'); process.exit(1); }, 60000);
let i = 0;
child.on('message', (m) => {
  try {
    assert.deepStrictEqual(m, { echo: messages[i] });
  } catch (e) {
    console.log('error: message ' + i + ': ' + e.message);
    child.kill('SIGKILL');
    process.exit(1);
  }
  i++;
  if (i < messages.length) {
    child.send(messages[i]);
  } else {
    child.disconnect();
  }
});
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  if (i === messages.length && code === 0) {
    console.log('ok ' + i);
    process.exit(0);
  }
  console.log('error: child exited with ' + code + '/' + signal + ' after ' + i + ' answers');
  process.exit(1);
});
child.send(messages[0]);
