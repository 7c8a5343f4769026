// An operator station / SCADA on OPC UA (node-opcua client), for the anomaly study: sessions of
// 60-120 s (random), each: connect (SecurityPolicy None, anonymous), create and activate a
// session, a subscription (publishing interval 1 s) with monitored items on Flow, Level and
// Turbidity (sampling 500 ms), a Read of the setpoint and Level every 5 s, and every 20-60 s an
// operator write of the setpoint (1.0-2.0 mg/l); then close the session and the channel, pause
// 1-3 s, reconnect, until DURATION seconds have passed.
// Needs NODE_PATH=tests/e2e/peers/node_modules.
// Usage: node opcua_subscriber.js ENDPOINT_URL PKI_DIR DURATION [SEED]
"use strict";
const path = require("path");
const {
  OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, DataType, TimestampsToReturn,
  ClientMonitoredItemGroup,
} = require("node-opcua-client");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");

const [url, pki, durationText, seedText] = process.argv.slice(2);
const end = Date.now() + Number(durationText) * 1000;
let seed = Number(seedText || 4);
function rnd() {  // mulberry32: the schedule is reproducible per seed
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const uniform = (lo, hi) => lo + (hi - lo) * rnd();
const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const node = (name) => "ns=1;s=FilterPlant." + name;

async function session(until) {
  const client = OPCUAClient.create({
    applicationName: "fieldguard-eval-operator",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    keepSessionAlive: false,
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(pki, "client"), automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await client.connect(url);
  const s = await client.createSession();
  try {
    const sub = await s.createSubscription2({
      requestedPublishingInterval: 1000, requestedLifetimeCount: 60, requestedMaxKeepAliveCount: 10,
      maxNotificationsPerPublish: 100, publishingEnabled: true, priority: 10,
    });
    await ClientMonitoredItemGroup.create(sub,
      ["Flow", "Level", "Turbidity"].map((n) => ({ nodeId: node(n), attributeId: AttributeIds.Value })),
      { samplingInterval: 500, discardOldest: true, queueSize: 4 }, TimestampsToReturn.Both);
    let nextRead = Date.now();
    let nextWrite = Date.now() + uniform(20, 60) * 1000;
    while (Date.now() < until) {
      if (Date.now() >= nextRead) {
        await s.read([{ nodeId: node("ChlorineSetpoint"), attributeId: AttributeIds.Value },
          { nodeId: node("Level"), attributeId: AttributeIds.Value }]);
        nextRead += 5000;
      }
      if (Date.now() >= nextWrite) {
        await s.write({ nodeId: node("ChlorineSetpoint"), attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.Double, value: Math.round(uniform(1.0, 2.0) * 100) / 100 } } });
        nextWrite = Date.now() + uniform(20, 60) * 1000;
      }
      await sleep(Math.min(nextRead, nextWrite, until) - Date.now());
    }
    await sub.terminate();
  } finally {
    await s.close();
    await client.disconnect();
  }
}

async function main() {
  while (Date.now() < end - 10000) {
    try {
      await session(Math.min(end, Date.now() + uniform(60, 120) * 1000));
    } catch (err) {
      process.stdout.write(String(err && err.message || err).split("\n")[0] + "\n");
    }
    await sleep(uniform(1000, 3000));
  }
  process.exit(0);
}
main();
