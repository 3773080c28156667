// tcplab's public API: define labs, and the types a lab script and its readers use.

export { lab, isLabDefinition } from './lab/define.js';
export type {
  Family,
  LabContext,
  LabDefinition,
  LabListener,
  LabOptions,
  LabScript,
  LabSocket,
  ListenOptions,
  ConnectOptions,
  PathStep,
  SocketExpectations,
  Target,
  WithinOptions,
} from './lab/define.js';
export { TCP_STATES, type TcpState } from './states.js';
export type { LabResult, LabStatus, SocketJson, StateJson, EventJson } from './runner/result.js';
export { countByState, countSides, countSockets, emptyCounts, totalOf, type CountOptions, type PortSides, type StateCounts } from './inventory/census.js';
export { readSocketTable, type Netns, type TableOptions } from './inventory/table.js';
export { whoHolds, type NoHolder, type PortHolders, type PortSocket } from './inventory/port-holders.js';
export type { Endpoint, SocketRow } from './observe/row.js';
export * from './lock/index.js';
export { runLabs, type RunLabsOptions } from './runner/run-labs.js';
export { observe, observing, Observation, socketLabel, type ObserveOptions, type LiveSocket, type LiveSpan, type SocketSide } from './live/observation.js';
