// PostGraphile v4.14.1 in library mode on planapi's database: the reference server of
// issue 14's nested-list comparison. It logs in as DATABASE_URL says (planapi_app's login, the
// same role planapi's pool logs in as) and, like planapi for each request, sets in the
// request's transaction the role planapi_app and the row-level-security scope
// planapi.scope = SCOPE (the city's materialised path, '410000/419900/'), both local to the
// transaction. See README.md beside this file.
const http = require('http');
const { postgraphile } = require('postgraphile');

const url = process.env.DATABASE_URL;
const scope = process.env.SCOPE || '410000/419900/';
const port = Number(process.env.PORT || 5050);
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(1);
}

const handler = postgraphile(url, 'public', {
  pgSettings: { role: 'planapi_app', 'planapi.scope': scope },
  disableQueryLog: true,
  retryOnInitFail: false,
  graphiql: false,
  // planapi parses and validates every document; so does PostGraphile (no persisted queries).
  disableDefaultMutations: true,
  ignoreRBAC: false,
  setofFunctionsContainNulls: false,
  dynamicJson: true,
});

http.createServer(handler).listen(port, '127.0.0.1', () => {
  console.log(`postgraphile 4.14.1 on http://127.0.0.1:${port}/graphql, scope ${scope}`);
});
