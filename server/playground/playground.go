// Package playground serves the GraphQL Playground (GraphiQL) with every script and style it
// needs from the binary, so that it works on a government intranet that cannot reach a public
// CDN. gqlgen's own playground page loads React and GraphiQL from cdn.jsdelivr.net; this one
// loads the very same files (the versions and SRI hashes gqlgen v0.17.98 pins) from
// /playground/assets/, embedded from assets/ — see assets/README.md for how they were fetched
// and how to refresh them.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// AssetPrefix is where the assets are served. Each file's path names its package and version
// (graphiql-4.1.2/…), so a refresh changes the URL and the long cache lifetime is safe.
const AssetPrefix = "/playground/assets/"

//go:embed assets
var assetsFS embed.FS

// The files the page loads, with the SRI hashes gqlgen v0.17.98 pins for them on the CDN
// (graphql/playground/playground.go): the embedded copies are byte for byte the CDN's, and
// TestAssetsMatchPins holds them to it.
var (
	reactJS    = asset{"react-18.2.0/react.production.min.js", "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="}
	reactDOMJS = asset{"react-dom-18.2.0/react-dom.production.min.js", "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="}
	graphiqlJS = asset{"graphiql-4.1.2/graphiql.min.js", "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="}
	graphiqlCS = asset{"graphiql-4.1.2/graphiql.min.css", "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="}
)

type asset struct{ Name, SRI string }

// URL is where the page loads the asset from.
func (a asset) URL() string { return AssetPrefix + a.Name }

// Pinned lists the assets the page loads: their path under assets/ and their SRI hash.
func Pinned() map[string]string {
	out := map[string]string{}
	for _, a := range []asset{reactJS, reactDOMJS, graphiqlJS, graphiqlCS} {
		out[a.Name] = a.SRI
	}
	return out
}

// TokenPlaceholder is the Authorization value the headers editor starts with. The page's
// fetcher leaves out an Authorization header that still holds it (a real token never contains
// "<"), so the schema loads before a token is pasted, and data fields answer
// UNAUTHENTICATED with a hint rather than every request answering 401. Header values must be
// ASCII, so the Chinese explanation is in the default query's comment.
const TokenPlaceholder = "Bearer <paste a token printed at start-up>"

// DefaultQuery is what a first visit shows: the plan's indicators and their targets.
const DefaultQuery = `# planapi：市场监管“十四五”规划评估接口。点击 ▶ 运行下面的查询，查看规划的指标及其 2025 年目标。
# 数据字段需要令牌：在下方 Headers 中，把 Authorization 里的 <…> 换成服务启动时打印的令牌
# （或用 go run ./cmd/server token --region 419900 --role analyst 生成）。
# (Data needs a token: in Headers below, replace <…> after "Bearer" with a token printed at start-up.)
{
  plan {
    name
    categories {
      code
      name
      indicators {
        code
        name
        unit
        target { value comparator }
      }
    }
  }
}
`

// Handler serves the page (at any path it is mounted on) and, under AssetPrefix, the assets.
func Handler(title, endpoint string) http.Handler {
	page := mustPage(title, endpoint)
	assets := assetHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, AssetPrefix) {
			assets.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(page)
	})
}

// assetHandler serves the embedded files with their content type, a year's cache lifetime
// (the URL changes with the version) and an ETag of their content.
func assetHandler() http.Handler {
	sub, err := fs.Sub(assetsFS, "assets")
	if err != nil {
		panic(err)
	}
	type file struct {
		body        []byte
		contentType string
		etag        string
	}
	files := map[string]file{}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		files[p] = file{body: b, contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[strings.TrimPrefix(r.URL.Path, AssetPrefix)]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", f.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
	})
}

// contentType is set by name, not sniffed and not taken from the system's MIME tables, which a
// minimal container may lack.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".md":
		return "text/markdown; charset=utf-8"
	}
	return "text/plain; charset=utf-8" // LICENSE
}

// SRI returns the subresource-integrity hash of b, as the page's integrity attributes write it.
func SRI(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// ReadAsset returns an embedded asset by its path under assets/.
func ReadAsset(name string) ([]byte, error) { return assetsFS.ReadFile("assets/" + name) }

func mustPage(title, endpoint string) []byte {
	var b bytes.Buffer
	err := page.Execute(&b, map[string]any{
		"Title":       title,
		"Endpoint":    endpoint,
		"ReactJS":     reactJS,
		"ReactDOMJS":  reactDOMJS,
		"GraphiQLJS":  graphiqlJS,
		"GraphiQLCSS": graphiqlCS,
		"Query":       DefaultQuery,
		"Headers":     fmt.Sprintf("{\n  \"Authorization\": %q\n}", TokenPlaceholder),
	})
	if err != nil {
		panic(err)
	}
	return b.Bytes()
}

// page follows gqlgen's GraphiQL page (graphql/playground/playground.go), with local assets, a
// default query and headers, and React 18's createRoot.
var page = template.Must(template.New("graphiql").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
  body { margin: 0; }
  #graphiql { height: 100vh; }
  .loading { height: 100%; display: flex; align-items: center; justify-content: center; font-size: 2rem; }
</style>
<script src="{{.ReactJS.URL}}" integrity="{{.ReactJS.SRI}}"></script>
<script src="{{.ReactDOMJS.URL}}" integrity="{{.ReactDOMJS.SRI}}"></script>
<link rel="stylesheet" href="{{.GraphiQLCSS.URL}}" integrity="{{.GraphiQLCSS.SRI}}">
</head>
<body>
<div id="graphiql"><div class="loading">正在加载… (Loading…)</div></div>
<script src="{{.GraphiQLJS.URL}}" integrity="{{.GraphiQLJS.SRI}}"></script>
<script>
  const url = location.protocol + '//' + location.host + {{.Endpoint}};
  const subscriptionUrl = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + {{.Endpoint}};
  // An Authorization header still holding the placeholder is left out: the request goes
  // anonymous (the schema loads; data fields say a token is needed) instead of answering 401.
  function fetchWithoutPlaceholder(input, init) {
    if (init && init.headers && !(init.headers instanceof Headers)) {
      const headers = {};
      for (const [k, v] of Object.entries(init.headers)) {
        if (k.toLowerCase() === 'authorization' && String(v).includes('<')) continue;
        headers[k] = v;
      }
      init = Object.assign({}, init, { headers });
    }
    return fetch(input, init);
  }
  const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl, fetch: fetchWithoutPlaceholder });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: {{.Query}},
      defaultHeaders: {{.Headers}},
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
</script>
</body>
</html>
`))
