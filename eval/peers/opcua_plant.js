// A real OPC UA server (node-opcua) with live process values, for the anomaly study: a filter
// plant object with Flow, Level and Turbidity (Double, changing every 500 ms as a process does) and
// a writable ChlorineSetpoint, on opc.tcp://0.0.0.0:4840/fieldguard, SecurityPolicy None (so the
// services stay visible to the gateway, as in tests/e2e/peers/opcua_server.js).
// Needs NODE_PATH=tests/e2e/peers/node_modules. Usage: node opcua_plant.js PKI_DIR
"use strict";
const path = require("path");
const { OPCUAServer } = require("node-opcua-server");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");
const { Variant, DataType, StatusCodes, MessageSecurityMode, SecurityPolicy } = require("node-opcua-client");

async function main() {
  const pki = process.argv[2] || path.join(process.cwd(), "pki");
  const server = new OPCUAServer({
    port: 4840,
    resourcePath: "/fieldguard",
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(pki, "server"), automaticallyAcceptUnknownCertificate: true,
    }),
    buildInfo: { productName: "fieldguard-eval-plant", manufacturerName: "fieldguard eval" },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const plant = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, nodeId: "s=FilterPlant", browseName: "FilterPlant" });

  const values = { Flow: 120.0, Level: 3.2, Turbidity: 0.4, ChlorineSetpoint: 1.5 };
  for (const name of Object.keys(values)) {
    ns.addVariable({
      componentOf: plant,
      nodeId: "s=FilterPlant." + name,
      browseName: name,
      dataType: "Double",
      minimumSamplingInterval: 100,
      value: {
        get: () => new Variant({ dataType: DataType.Double, value: values[name] }),
        set: name === "ChlorineSetpoint" ? (v) => { values[name] = v.value; return StatusCodes.Good; } : undefined,
      },
    });
  }
  // A process: a slow flow wave, a level following it, turbidity noise.
  let phase = 0;
  setInterval(() => {
    phase += 0.01;
    values.Flow = 120 + 15 * Math.sin(phase) + (Math.random() - 0.5);
    values.Level = 3.2 + 0.3 * Math.sin(phase / 3);
    values.Turbidity = Math.max(0, 0.4 + (Math.random() - 0.5) * 0.05);
  }, 500);

  await server.start();
  process.stdout.write(JSON.stringify({ event: "ready", endpoint: server.getEndpointUrl() }) + "\n");
  const stop = async () => {
    await server.shutdown(0);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ event: "error", message: String(err && err.stack || err) }) + "\n");
  process.exit(1);
});
