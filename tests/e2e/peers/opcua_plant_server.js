// What the OPC UA servers of the tests and of the anomaly study share: a node-opcua server with
// SecurityPolicy None (so the services stay visible to the gateway, which is what the policy
// inspects; a plant that encrypts would state `security_mode: [sign_and_encrypt]` instead), a
// FilterPlant object to hang variables on, JSON lines on stdout ({"event":"ready"|"error"}),
// and a clean shutdown on SIGTERM/SIGINT.
//
//   runPlantServer({ port, pki, productName }, (ns, plant) => { ...add variables... });
"use strict";
const path = require("path");
const { OPCUAServer } = require("node-opcua-server");
const { OPCUACertificateManager } = require("node-opcua-certificate-manager");
const { MessageSecurityMode, SecurityPolicy } = require("node-opcua-client");

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function serve({ port, pki, productName, manufacturerName }, populate) {
  const server = new OPCUAServer({
    port,
    resourcePath: "/fieldguard",
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: path.join(pki, "server"), automaticallyAcceptUnknownCertificate: true,
    }),
    buildInfo: { productName, manufacturerName },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  const ns = addressSpace.getOwnNamespace();
  const plant = ns.addObject({
    organizedBy: addressSpace.rootFolder.objects, nodeId: "s=FilterPlant", browseName: "FilterPlant",
  });
  populate(ns, plant);
  await server.start();
  say({ event: "ready", endpoint: server.getEndpointUrl() });
  const stop = async () => {
    await server.shutdown(0);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function runPlantServer(options, populate) {
  serve(options, populate).catch((err) => {
    say({ event: "error", message: String(err && err.stack || err) });
    process.exit(1);
  });
}

module.exports = { runPlantServer, say };
