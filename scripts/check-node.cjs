// Stops with one clear message when Node.js is older than this repo needs: 22.18, the first LTS release that
// runs TypeScript files directly, which the demo, the examples and the scripts do. It runs as the root
// `preinstall` script and before the demo and the examples start, so it must itself run on any Node still
// found on machines (CommonJS, no syntax newer than Node 12's).
const REQUIRED_MAJOR = 22;
const REQUIRED_MINOR = 18;

/** @param {string} version `process.versions.node`, e.g. "20.20.2" */
const isRecentEnough = (version) => {
  const [major, minor] = version.split('.').map(Number);
  return major > REQUIRED_MAJOR || (major === REQUIRED_MAJOR && minor >= REQUIRED_MINOR);
};

const checkNode = () => {
  const version = process.versions.node;
  if (isRecentEnough(version)) return;
  process.stderr.write(
    `\nrestate-agents needs Node.js >= ${REQUIRED_MAJOR}.${REQUIRED_MINOR}; this is Node.js ${version} (${process.execPath}).\n` +
      'Install Node.js 24 LTS (`nvm install 24`, `fnm install 24`, `volta install node@24`, or\n' +
      'https://nodejs.org/en/download), check that `node --version` prints it, then run the command again.\n\n',
  );
  process.exit(1);
};

module.exports = { checkNode, isRecentEnough };

if (require.main === module) checkNode();
