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
export * from './lock/index.js';
