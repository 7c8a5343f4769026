// A real OPC UA server (node-opcua) standing in for a water-treatment historian's data source:
// one writable setpoint (Double) and one method, on opc.tcp://0.0.0.0:<port>/fieldguard.
//
// It prints one JSON line per thing that happened to stdout, so a test can prove what reached
// the server: {"event":"ready"}, {"event":"write","value":...}, {"event":"call","method":...}.
// Usage: node opcua_server.js PORT PKI_DIR
"use strict";
const path = require("path");
const { OPCUAServer } = require("node-opcua-server");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");
const { Variant, DataType, StatusCodes, MessageSecurityMode, SecurityPolicy } = require("node-opcua-client");

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function main() {
  const port = Number(process.argv[2] || 4840);
  const pki = process.argv[3] || path.join(process.cwd(), "pki");
  const server = new OPCUAServer({
    port,
    resourcePath: "/fieldguard",
    // SecurityPolicy None keeps the services visible to the gateway (that is what the policy
    // inspects); a plant that encrypts would state `security_mode: [sign_and_encrypt]` instead.
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(pki, "server"), automaticallyAcceptUnknownCertificate: true,
    }),
    buildInfo: { productName: "fieldguard-e2e-historian-source", manufacturerName: "fieldguard tests" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const plant = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects, nodeId: "s=FilterPlant", browseName: "FilterPlant",
  });

  let setpoint = 1.5;  // mg/l chlorine
  ns.addVariable({
    componentOf: plant,
    nodeId: "s=FilterPlant.ChlorineSetpoint",
    browseName: "ChlorineSetpoint",
    dataType: "Double",
    minimumSamplingInterval: 100,
    value: {
      get: () => new Variant({ dataType: DataType.Double, value: setpoint }),
      set: (variant) => {
        setpoint = variant.value;
        say({ event: "write", node: "FilterPlant.ChlorineSetpoint", value: setpoint });
        return StatusCodes.Good;
      },
    },
  });

  const method = ns.addMethod(plant, {
    nodeId: "s=FilterPlant.ResetTotalizer",
    browseName: "ResetTotalizer",
    inputArguments: [],
    outputArguments: [{ name: "previous", dataType: DataType.Double }],
  });
  let totalizer = 1234.5;  // m3 treated
  method.bindMethod((_inputs, _context, callback) => {
    say({ event: "call", method: "FilterPlant.ResetTotalizer" });
    const previous = totalizer;
    totalizer = 0;
    callback(null, { statusCode: StatusCodes.Good, outputArguments: [{ dataType: DataType.Double, value: previous }] });
  });

  await server.start();
  say({ event: "ready", endpoint: server.getEndpointUrl() });
  const stop = async () => {
    await server.shutdown(0);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  say({ event: "error", message: String(err && err.stack || err) });
  process.exit(1);
});
