// The Node alternative the benchmark compares against: systeminformation's networkConnections().
import si from "systeminformation";

const connections = await si.networkConnections();
process.stdout.write(`${connections.length} connections\n`);
