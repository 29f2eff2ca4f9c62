// fs.watch (libuv's inotify): a folder's events as the script changes it.
// Without inotify it would never hear them: the timer then fails the run.
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pkgload-watch-'));
const seen = [];
const give_up = setTimeout(() => {
  console.log('no events after 20 s:', seen);
  process.exit(1);
}, 20000);
const watcher = fs.watch(dir, (event, name) => {
  seen.push(`${event} ${name}`);
  if (event === 'rename' && name === 'b.txt') {
    watcher.close();
    clearTimeout(give_up);
    fs.rmSync(dir, { recursive: true });
    console.log(seen.join('\n'));
  }
});
setTimeout(() => {
  fs.writeFileSync(path.join(dir, 'a.txt'), 'x');
  fs.renameSync(path.join(dir, 'a.txt'), path.join(dir, 'b.txt'));
}, 100);
