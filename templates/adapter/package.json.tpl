{
  "name": "@restate-agents/__SLUG__",
  "version": "0.0.0",
  "description": "__SDK__ made durable on Restate.",
  "license": "MIT",
  "type": "module",
  "sideEffects": false,
  "engines": {
    "node": ">=22.12"
  },
  "repository": {
    "type": "git",
    "url": "git+https://github.com/restate-agents/restate-agents.git",
    "directory": "packages/__SLUG__"
  },
  "exports": {
    ".": {
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "files": [
    "dist",
    "src",
    "!src/**/*.test.ts",
    "!src/**/*.test-d.ts",
    "!src/**/__fixtures__",
    "!src/**/__snapshots__",
    "README.md",
    "CHANGELOG.md"
  ],
  "scripts": {
    "build": "tsdown",
    "typecheck": "tsc --noEmit",
    "test": "vitest run",
    "test:unit": "vitest run --project unit"
  },
  "dependencies": {
    "@restate-agents/core": "workspace:*"
  },
  "peerDependencies": {
    "__SDK__": "*",
    "@restatedev/restate-sdk": "^1.17.2"
  },
  "devDependencies": {
    "__SDK__": "catalog:",
    "@restate-agents/testing": "workspace:*",
    "@restatedev/restate-sdk": "catalog:"
  },
  "publishConfig": {
    "access": "public"
  }
}
