// The lock module's public face: a Redis lock with deadline, wake-up, reentrancy, fencing and
// renewal; the redis-server a lab starts; the shared resource and holders the lock labs use.

export { LockClient, LockOwner, lockKeys } from './lock.js';
export { Lease } from './lease.js';
export { LockError, isLockError, type LockErrorCode } from './errors.js';
export type { AcquireOptions } from './options.js';
export type { RenewOptions } from './hold.js';
export { connectRedis, type RedisConnection, type RedisEndpoint } from './redis-client.js';
export { startRedis, redisConfig, type StartedRedis, type RedisServerOptions, type RedisStarter } from './redis-server.js';
export { SharedResource, type ResourceStats } from './resource.js';
export { Redlock, type RedlockAcquireOptions, type RedlockLease, type RedlockOptions } from './redlock.js';
export { startHolder, type Holder, type HolderOptions, type HolderScenario } from './holder.js';
export { connectionsTo, formatCounts, type StateCounts } from './connections.js';
