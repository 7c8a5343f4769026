// A real OPC UA server (node-opcua) with live process values, for the anomaly study: a filter
// plant object with Flow, Level and Turbidity (Double, changing every 500 ms as a process does) and
// a writable ChlorineSetpoint, on opc.tcp://0.0.0.0:4840/fieldguard, SecurityPolicy None (the
// server setup is the tests' own: tests/e2e/peers/opcua_plant_server.js).
// Needs NODE_PATH=tests/e2e/peers/node_modules. Usage: node opcua_plant.js PKI_DIR
"use strict";
const path = require("path");
const { Variant, DataType, StatusCodes } = require("node-opcua-client");
const { runPlantServer } = require("../../tests/e2e/peers/opcua_plant_server");

const options = {
  port: 4840,
  pki: process.argv[2] || path.join(process.cwd(), "pki"),
  productName: "fieldguard-eval-plant",
  manufacturerName: "fieldguard eval",
};

runPlantServer(options, (ns, plant) => {
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
});
