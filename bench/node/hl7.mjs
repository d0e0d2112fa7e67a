// hl7.mjs — the Node side of bench/hl7: @medplum/core's Hl7Message.parse on
// every message of the corpus file (UTF-8, messages separated by FS LF),
// ITERATIONS times, touching every field's first component as the C driver
// does. Prints one JSON line. CORPUS=... ITERATIONS=... node hl7.mjs
import { readFileSync } from 'node:fs';
import { Hl7Message } from '@medplum/core';

const text = readFileSync(process.env.CORPUS, 'utf8');
const iterations = Number(process.env.ITERATIONS || 10);
const msgs = text.split('\x1c\n').filter((m) => m.length > 0);
const bytes = msgs.reduce((n, m) => n + Buffer.byteLength(m), 0);

function once() {
  let fields = 0;
  let touched = 0;
  for (const m of msgs) {
    const msg = Hl7Message.parse(m);
    for (const seg of msg.segments) {
      // fields[0] is the segment name; the C driver counts the separators after it
      for (let i = 1; i < seg.fields.length; i++) {
        touched += seg.fields[i].getComponent(1).length;
        fields++;
      }
    }
  }
  return { fields, touched };
}

once(); // warm up the JIT
const t0 = process.hrtime.bigint();
let r;
for (let i = 0; i < iterations; i++) r = once();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ messages: msgs.length, bytes, iterations, seconds, fields: r.fields, touched: r.touched }));
