// Every ffmpeg the server runs dies with the server, however the server ends (even
// SIGKILL): Linux's parent-death signal, set by util-linux's setpriv, which then
// execs ffmpeg in place. Where setpriv is missing, a plain spawn (the server still
// kills its children on a normal stop).
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

let setprivWorks: boolean | undefined;

function hasPdeathsig(): boolean {
  setprivWorks ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true'], { stdio: 'ignore' }).status === 0;
  return setprivWorks;
}

export function spawnChild(command: string, args: string[], options: SpawnOptions): ChildProcess {
  return hasPdeathsig()
    ? spawn('setpriv', ['--pdeathsig', 'KILL', command, ...args], options)
    : spawn(command, args, options);
}
