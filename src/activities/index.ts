/**
 * The activities a worker registers. Each is a closure over worker-side resources (Postgres pools,
 * resolved secrets), so nothing sensitive has to travel through workflow input.
 */
export function createActivities(): Record<string, (...args: never[]) => Promise<unknown>> {
  return {};
}
