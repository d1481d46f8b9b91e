import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Absolute path of `libchdb.so` (the ClickHouse engine) from chdb's platform package.
 * chdb publishes it only for glibc Linux on x64 and arm64; elsewhere the optional
 * dependency is skipped at install time and this throws.
 */
export function libchdbPath(): string {
  const platformPackage = `@chdb/lib-${process.platform}-${process.arch}-gnu`;
  let packageJson: string;
  try {
    packageJson = require.resolve(`${platformPackage}/package.json`);
  } catch {
    throw new Error(
      `embedded ClickHouse is not available on ${process.platform}-${process.arch}: ` +
        `the package ${platformPackage} is not installed (chdb ships it for glibc Linux on x64 and arm64 only). ` +
        'Use a ClickHouse server instead.',
    );
  }
  return join(dirname(packageJson), 'libchdb.so');
}
