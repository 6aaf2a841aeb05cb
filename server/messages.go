package server

import "fmt"

// The words a caller reads when the request itself is refused or fails — the transport, the
// request budget and faults — in one place, Chinese first, each with its stable code
// (apperr) beside it where it is used.

func msgTooDeep(depth, limit int) string {
	return fmt.Sprintf("查询嵌套过深：%d 层，上限 %d 层。请拆分查询。(query nests %d levels deep; the limit is %d)", depth, limit, depth, limit)
}

func msgTooManyAliases(field string, n, limit int) string {
	return fmt.Sprintf("同一查询中字段 %s 出现 %d 次（别名），上限 %d 次。请分多次请求。(field %s is asked for %d times under aliases; the limit is %d)", field, n, limit, field, n, limit)
}

func msgTooComplex(cost, limit int) string {
	return fmt.Sprintf("查询代价过高：估算 %d，上限 %d。请减少列表长度（first）、别名或嵌套。(operation has complexity %d, which exceeds the limit of %d)", cost, limit, cost, limit)
}

func msgBodyTooLarge(limit int64) string {
	return fmt.Sprintf("请求体过大，上限 %d 字节。(request body exceeds the limit of %d bytes)", limit, limit)
}

func msgBadJSON(err error) string {
	return fmt.Sprintf("请求体不是有效的 JSON：%v。(request body is not valid JSON: %v)", err, err)
}

func msgBadArgument(name string, err error) string {
	return fmt.Sprintf("参数 %s 的值无效：%v（时间须为 RFC 3339 格式，年份 0001–9999）。(argument %s is invalid: %v)", name, err, name, err)
}

func msgBadParam(name string, err error) string {
	return fmt.Sprintf("URL 参数 %s 不是有效的 JSON 对象：%v。(URL parameter %s is not a valid JSON object: %v)", name, err, name, err)
}

func msgOneStream(n int) string {
	return fmt.Sprintf("一个订阅只能选择一个顶层字段，此订阅选择了 %d 个：请分开订阅。(a subscription selects exactly one top-level field; this one selects %d)", n, n)
}

func msgTooManySubscriptions(limit int) string {
	return fmt.Sprintf("此连接上的订阅已达上限 %d 个：请先结束（complete）不再需要的订阅。(this socket already carries %d subscriptions, the limit)", limit, limit)
}

const (
	msgSubscriptionOverHTTP  = "订阅（subscription）须通过 WebSocket（graphql-transport-ws 协议）发送，不能用 GET 或 POST。(subscriptions go over the websocket, graphql-transport-ws, not over GET or POST)"
	msgSocketNotSubscription = "WebSocket 连接只承载订阅（subscription）；查询和变更请用 HTTP 的 GET 或 POST 发送。(the websocket carries subscriptions only; send queries and mutations over HTTP)"
	msgSocketOrigin          = "此来源的网页不能打开 WebSocket 连接（不在 CORS_ORIGINS 之列）。(a page from this origin may not open a websocket: it is not in CORS_ORIGINS)"
	msgNotAcceptable         = "无法按 Accept 头给出的类型应答：本服务只返回 application/graphql-response+json 或 application/json。(not acceptable: the service answers application/graphql-response+json or application/json only)"
	msgNoQuery               = "请求缺少 query：应为 {\"query\": \"…\"}（GET 请求用 ?query=…）。(the request has no query: send {\"query\": …}, or ?query=… with GET)"
	msgBadQueryString        = "URL 查询字符串格式错误。(the URL query string is malformed)"
	msgGetNotQuery           = "GET 请求只能执行查询（query）；变更（mutation）请用 POST。(GET runs queries only; send mutations with POST)"
	msgUnstorable            = "输入包含无法保存的字符或数值（例如 NUL 字符，或超出范围的数值）。(the input holds a character or value that cannot be stored, such as a NUL character or a value out of range)"
	msgBatch                 = "不支持批量请求：请求体应为一个 JSON 对象 {\"query\": …}，而不是数组。(batched requests are not supported: send one JSON object, not an array)"
	msgEmptyBody             = "请求体为空：应为一个 JSON 对象 {\"query\": …}。(empty request body: send a JSON object {\"query\": …})"
	msgReadBody              = "读取请求体失败。(could not read the request body)"
	msgTimeout               = "请求超时，已取消。请缩小查询范围后重试。(the request ran past its deadline and was cancelled)"
	msgUnavailable           = "数据库暂时不可用，请稍后重试。(the database is unavailable; retry later)"
	msgCanceled              = "请求已被客户端取消。(the client cancelled the request)"
)
