// A real OPC UA client (node-opcua), as an operator station or historian uses one: for each
// operation, connect (SecurityPolicy None, anonymous), create and activate a session, then
//   read      read the setpoint,   write=V   write V to it,   call   call ResetTotalizer,
// then close the session and the channel. Prints one JSON line per operation:
// {"op":..,"ok":true,"value":..,"seconds":..} or {"op":..,"ok":false,"error":"..."}; exit 0 when
// every operation succeeded. Usage: node opcua_client.js ENDPOINT_URL PKI_DIR OP...
"use strict";
const path = require("path");
const {
  OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, DataType, StatusCodes,
} = require("node-opcua-client");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");

const NODE = "ns=1;s=FilterPlant.ChlorineSetpoint";
const OBJECT = "ns=1;s=FilterPlant";
const METHOD = "ns=1;s=FilterPlant.ResetTotalizer";

async function once(url, pki, op, value) {
  const client = OPCUAClient.create({
    applicationName: "fieldguard-e2e-operator",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    // One attempt, bounded waits: a request the gateway refuses must fail (reset: at once), not
    // hang the test; generous enough for an allowed request on a loaded 2-core CI machine.
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    defaultTransactionTimeout: 10000,
    transportTimeout: 10000,
    keepSessionAlive: false,
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(pki, "client"), automaticallyAcceptUnknownCertificate: true,
    }),
  });
  const started = Date.now();
  let timer;
  const guard = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ op, ok: false, error: "timeout (no answer within 30 s)" }), 30000);
  });
  const work = (async () => {
    try {
      await client.connect(url);
      const session = await client.createSession();
      let result;
      if (op === "read") {
        const dv = await session.read({ nodeId: NODE, attributeId: AttributeIds.Value });
        result = { op, ok: dv.statusCode === StatusCodes.Good, status: dv.statusCode.name, value: dv.value.value };
      } else if (op === "write") {
        const sc = await session.write({ nodeId: NODE, attributeId: AttributeIds.Value,
          value: { value: { dataType: DataType.Double, value } } });
        result = { op, ok: sc === StatusCodes.Good, status: sc.name };
      } else if (op === "call") {
        const r = await session.call({ objectId: OBJECT, methodId: METHOD, inputArguments: [] });
        result = { op, ok: r.statusCode === StatusCodes.Good, status: r.statusCode.name,
          value: r.outputArguments.length ? r.outputArguments[0].value : null };
      } else {
        result = { op, ok: false, error: "unknown operation" };
      }
      // A polite client closes its session and channel (CloseSession, CLO), as a historian does.
      await session.close();
      await client.disconnect();
      return result;
    } catch (err) {
      client.disconnect().catch(() => {});
      return { op, ok: false, error: String(err && err.message || err).split("\n")[0] };
    }
  })();
  const result = await Promise.race([work, guard]);
  clearTimeout(timer);
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

// Each operation on its own connection and session (a refused one loses its connection); one
// process for all of them, because loading node-opcua costs seconds on a busy machine.
async function main() {
  const [url, pki, ...ops] = process.argv.slice(2);
  let failed = 0;
  for (const spec of ops) {
    const [op, value] = spec.split("=");
    const result = await once(url, pki, op, Number(value));
    if (!result.ok) failed++;
    process.stdout.write(JSON.stringify(result) + "\n");
  }
  process.exit(failed ? 1 : 0);
}

main();
