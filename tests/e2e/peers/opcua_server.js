// A real OPC UA server (node-opcua) standing in for a water-treatment historian's data source:
// one writable setpoint (Double) and one method, on opc.tcp://0.0.0.0:<port>/fieldguard.
//
// It prints one JSON line per thing that happened to stdout, so a test can prove what reached
// the server: {"event":"ready"}, {"event":"write","value":...}, {"event":"call","method":...}.
// Usage: node opcua_server.js PORT PKI_DIR
"use strict";
const path = require("path");
const { Variant, DataType, StatusCodes } = require("node-opcua-client");
const { runPlantServer, say } = require("./opcua_plant_server");

const options = {
  port: Number(process.argv[2] || 4840),
  pki: process.argv[3] || path.join(process.cwd(), "pki"),
  productName: "fieldguard-e2e-historian-source",
  manufacturerName: "fieldguard tests",
};

runPlantServer(options, (ns, plant) => {
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
});
