// What every scenario is given by the runner: how long to measure, and where to say how
// far it got. Scenarios import this and nothing of the runner's (which imports them).

export type BenchContext = { quick: boolean; progress: (message: string) => void };
