// A real OPC UA client (node-opcua) doing one operation, as an operator station or historian
// would: connect (SecurityPolicy None, anonymous), create and activate a session, then
//   read   the setpoint,  write  the setpoint (value from argv),  call  ResetTotalizer.
// Prints one JSON line with the outcome: {"op":..,"ok":true,"value":..} or
// {"op":..,"ok":false,"error":"..."}; exit 0 when the operation succeeded, 1 when it failed.
// Usage: node opcua_client.js ENDPOINT_URL PKI_DIR read|write|call [VALUE]
"use strict";
const path = require("path");
const { OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, DataType, StatusCodes } = require("node-opcua-client");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");

const NODE = "ns=1;s=FilterPlant.ChlorineSetpoint";
const OBJECT = "ns=1;i=1000";

function done(result) {
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(result.ok ? 0 : 1);
}

async function main() {
  const [url, pki, op] = process.argv.slice(2, 5);
  const value = Number(process.argv[5]);
  const client = OPCUAClient.create({
    applicationName: "fieldguard-e2e-operator",
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    // One attempt, short timeouts: a request the gateway drops must fail (reset: at once), not hang the test.
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    defaultTransactionTimeout: 10000,
    transportTimeout: 10000,
    keepSessionAlive: false,
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: path.join(pki, "client"), automaticallyAcceptUnknownCertificate: true }),
  });
  const guard = setTimeout(() => done({ op, ok: false, error: "timeout (no answer within 30 s)" }), 30000);
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
      const r = await session.call({ objectId: OBJECT, methodId: "ns=1;s=FilterPlant.ResetTotalizer", inputArguments: [] });
      result = { op, ok: r.statusCode === StatusCodes.Good, status: r.statusCode.name,
        value: r.outputArguments.length ? r.outputArguments[0].value : null };
    } else {
      result = { op, ok: false, error: "unknown operation" };
    }
    // A polite client closes its session and channel (CloseSession, CLO), as a historian does.
    await session.close();
    await client.disconnect();
    clearTimeout(guard);
    done(result);
  } catch (err) {
    clearTimeout(guard);
    done({ op, ok: false, error: String(err && err.message || err).split("\n")[0] });
  }
}

main();
