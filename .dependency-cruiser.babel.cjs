/**
 * How dependency-cruiser reads our TypeScript (used by .dependency-cruiser.cjs; not a build config).
 *
 * dependency-cruiser 17 parses .ts with the `typescript` package's JavaScript API, which it supports up to 6.x; this
 * project compiles with typescript 7 (the native compiler, no such API), so without this file depcruise would skip
 * every .ts file and report "no violations" over nothing. Instead it hands each file to Babel with this config:
 * Babel parses the TypeScript (@babel/plugin-syntax-typescript) and the `importEdges` plugin below replaces the module
 * by its import edges only, as plain JavaScript depcruise's own parser reads:
 *
 *   import x from './a.js' / import type { T } from './b.js' / export * from './c.js'  ->  import './a.js'; ...
 *   import('./d.js') / type U = import('./e.js').U                                    ->  import('./d.js'); ...
 *
 * Type-only imports are kept as edges on purpose: a cycle through types (the DSL's MarketSlice/RunWindow) is a cycle
 * (docs/architecture.md "Layers"). Both Babel packages come with jest (package-lock.json).
 */
'use strict';

/** @param {{ types: typeof import('@babel/types') }} babel */
function importEdges({ types: t }) {
  /** a module specifier: a string literal, or (in `import('x').T` types) a literal type holding one */
  const specifier = (node) => {
    if (node?.type === 'StringLiteral') return node.value;
    if (node?.type === 'TSLiteralType' && node.literal.type === 'StringLiteral') return node.literal.value;
    return undefined;
  };
  return {
    name: 'import-edges',
    visitor: {
      Program: {
        exit(path) {
          /** @type {{ source: string, dynamic: boolean }[]} */
          const edges = [];
          const add = (source, dynamic) => {
            if (source !== undefined) edges.push({ source, dynamic });
          };
          path.traverse({
            ImportDeclaration: (p) => add(p.node.source.value, false),
            ExportNamedDeclaration: (p) => p.node.source && add(p.node.source.value, false),
            ExportAllDeclaration: (p) => add(p.node.source.value, false),
            TSImportType: (p) => add(specifier(p.node.argument), false),
            TSExternalModuleReference: (p) => add(specifier(p.node.expression), false),
            CallExpression: (p) => p.node.callee.type === 'Import' && add(specifier(p.node.arguments[0]), true),
            ImportExpression: (p) => add(specifier(p.node.source), true),
          });
          path.node.directives = [];
          path.node.body = edges.map(({ source, dynamic }) =>
            dynamic
              ? t.expressionStatement(t.callExpression(t.import(), [t.stringLiteral(source)]))
              : t.importDeclaration([], t.stringLiteral(source)),
          );
          path.skip();
        },
      },
    },
  };
}

module.exports = {
  babelrc: false,
  configFile: false,
  plugins: ['@babel/plugin-syntax-typescript', importEdges],
};
