// An engineering station / HMI polling an S7 PLC with snap7's S7Client (node-snap7), for the
// anomaly study: sessions of SESSION seconds (random in 45-90 s), each a new connection (COTP,
// setup communication) reading DB1 bytes 0-63 every 1 s and, every 20-60 s, writing the recipe word
// DB1.DBW10 (100-200); then a 1-3 s pause and a new session, until DURATION seconds have passed.
// Needs NODE_PATH=tests/e2e/peers/node_modules. Usage: node s7_hmi.js PLC_IP DURATION [SEED]
"use strict";
const snap7 = require("node-snap7");

const [ip, durationText, seedText] = process.argv.slice(2);
const end = Date.now() + Number(durationText) * 1000;
let seed = Number(seedText || 3);
function rnd() {  // a small seeded generator (mulberry32): the schedule is reproducible per seed
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (lo, hi) => lo + (hi - lo) * rnd();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const call = (fn) => new Promise((resolve) => fn((err, data) => resolve({ err, data })));

async function session(until) {
  const client = new snap7.S7Client();
  client.SetParam(client.RecvTimeout, 3000);
  const c = await call((cb) => client.ConnectTo(ip, 0, 2, cb));
  if (c.err) throw new Error("connect: " + client.ErrorText(c.err));
  let t = Date.now();
  let nextWrite = t + uniform(20, 60) * 1000;
  while (t < until) {
    const r = await call((cb) => client.DBRead(1, 0, 64, cb));
    if (r.err) throw new Error("read: " + client.ErrorText(r.err));
    if (Date.now() >= nextWrite) {
      const v = Math.floor(uniform(100, 201));
      await call((cb) => client.DBWrite(1, 10, 2, Buffer.from([v >> 8, v & 0xff]), cb));
      nextWrite = Date.now() + uniform(20, 60) * 1000;
    }
    t += 1000;
    await sleep(t - Date.now());
  }
  client.Disconnect();
}

async function main() {
  while (Date.now() < end - 5000) {
    try {
      await session(Math.min(end, Date.now() + uniform(45, 90) * 1000));
    } catch (err) {
      process.stdout.write(String(err) + "\n");
    }
    await sleep(uniform(1000, 3000));
  }
  process.exit(0);
}
main();
