// node compare.js planapi.json postgraphile.json: checks that the two answers to the nested
// list hold the same submissions with the same values (region, period, status, version;
// element, value, comment), in the same order of submissions; prints the counts.
const fs = require('fs');
const [a, b] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
const fromPlanapi = a.data.submissions.edges.map(({ node: n }) => ({
  sub: [n.region.code, n.period, n.status, n.version].join(' '),
  values: n.values.map((v) => [v.element.code, v.value, v.comment ?? ''].join(' ')).sort(),
}));
const fromPostgraphile = b.data.allSubmissions.nodes.map((n) => ({
  sub: [n.regionByRegionCode.code, n.period, n.status, n.version].join(' '),
  values: n.dataValuesBySubmissionId.nodes
    .map((v) => [v.dataElementByElementId.code, v.value, v.comment ?? ''].join(' ')).sort(),
}));
const count = (xs) => `${xs.length} submissions, ${xs.reduce((s, x) => s + x.values.length, 0)} values`;
console.log(`planapi:      ${count(fromPlanapi)}`);
console.log(`postgraphile: ${count(fromPostgraphile)}`);
if (JSON.stringify(fromPlanapi) !== JSON.stringify(fromPostgraphile)) {
  console.log('DIFFERENT');
  process.exit(1);
}
console.log('identical in content');
