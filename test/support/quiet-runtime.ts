// Installed before every integration test file: keep the SDK's chatter (worker state changes, the warning it
// logs for every activity failure that a test provokes on purpose) out of the output; errors still show.
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });
