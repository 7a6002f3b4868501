import type { StreamStatus } from './definitions.js';

/** One-screen Markdown summary for the Temporal UI's "Current Details" (User Metadata tab). */
export function renderCurrentDetails(status: StreamStatus): string {
  const rows = Object.values(status.rowsApplied).reduce((n, c) => n + c.insert + c.update + c.delete, 0);
  const lag = status.lagSeconds === null ? 'n/a' : `${status.lagSeconds.toFixed(1)} s`;
  const lines = [
    `**${status.state}** · batch ${status.batchSeq} · ${rows.toLocaleString('en-US')} rows applied · lag ${lag}`,
  ];
  if (status.pausedReason) lines.push('', `Paused: ${status.pausedReason}`);
  if (status.lastError) lines.push('', `Last error (${status.lastError.kind}): ${status.lastError.message}`);
  if (status.warning) lines.push('', `Warning: ${status.warning}`);
  const snapshot = status.snapshot;
  if (snapshot?.resnapshotRequested != null)
    lines.push('', 'Resnapshot requested: copying every table again');
  const resyncs = [...(snapshot?.resyncRequested ?? []), ...(snapshot?.resyncing ?? [])];
  if (resyncs.length > 0) lines.push('', `Resyncing: ${resyncs.join(', ')}`);
  const shards = (status.vgtid?.shard_gtids ?? []) as { keyspace?: string; shard?: string; gtid?: string }[];
  if (shards.length > 0) {
    lines.push('', '| keyspace | shard | gtid |', '| --- | --- | --- |');
    for (const s of shards) lines.push(`| ${s.keyspace ?? ''} | ${s.shard ?? ''} | \`${s.gtid ?? ''}\` |`);
  }
  if (status.lastCommitAt) lines.push('', `Last commit ${status.lastCommitAt}`);
  return lines.join('\n');
}
