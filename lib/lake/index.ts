/**
 * The lake: Parquet files in Hive-style partitions, read and written through DuckDB. Every DuckDB detail
 * stays in this folder; the rest of the code sees typed arrays, table schemas and manifests.
 */
export { LakeDb } from './db.js';
export { TABLES, type TableSchema, type TableName, type ColumnSchema, type ColumnType } from './schema.js';
export { featuresTable, EVENTS_TABLE } from './derived.js';
export type { ColumnSet, ColumnData, DictColumn, NumericArray } from './columns.js';
export { ColumnBuffers } from './columns.js';
export {
  writeMonthlyPartitions, type PartitionPeriod, listPartitions, groupPartitions, readPartitions, readHiveGroups, listHiveGroups, scanHiveGroups, type HiveGroup, readPartitionsWithOrigins, readSourceFiles, partitionDir, partitionColumns,
  type RowOriginColumns,
  PARTITION_FILE, PARTITION_MANIFEST, type PartitionManifest, type FoundPartition,
} from './partition.js';
export { readCsvColumns, type CsvReadSpec, type CsvColumnRequest, type CsvReadResult } from './csv.js';
export { mapWithConnections } from './pool.js';
export { writeTableFile, readTableFile, dictColumn, rowStrings, stringsOf, rowCount, type TableFileInfo } from './table_file.js';
