/** Binance Vision: find data files on disk, and download them with CHECKSUM verification. */
export type { BinanceKind, Compression, DiscoveredFile, Granularity, IgnoredFile, MarketSource } from './layout.js';
export { visionRelPath } from './layout.js';
export { discoverBinanceFiles, type DiscoverOptions, type Discovery } from './discover.js';
export { filterFiles, type FileFilter } from './filter.js';
export { downloadBinanceVision, type DownloadOptions, type DownloadReport, type FileResult } from './download.js';
