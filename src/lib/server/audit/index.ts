export { record, getAuditRecorder, AuditRecorder, type AuditRecordInput, type AuditStatus } from './record';
export { AuditFilters, AuditListQuery, AuditExportQuery } from './filters';
export { listAuditLogs, type AuditLogPage } from './query';
export { auditStats, type AuditStats } from './stats';
export { exportAuditLogs } from './export';
export { startAudit } from './start';
