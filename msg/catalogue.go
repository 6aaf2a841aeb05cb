package msg

// The catalogue. Each entry is the Chinese template, then the English; {name} is an argument.
// Validation messages name the figure (Chinese name, then code) and the refused value, Chinese
// first. Keep the placeholders of both languages the same (msg_test checks it).

// Validation rules: the key is the rule code a violation carries (catalogue.Rule*).
const (
	UnknownElement        Key = "UNKNOWN_ELEMENT"
	NotANumber            Key = "NOT_A_NUMBER"
	Negative              Key = "NEGATIVE"
	NotInteger            Key = "NOT_INTEGER"
	PercentRange          Key = "PERCENT_RANGE"
	ScoreRange            Key = "SCORE_RANGE"
	PartExceedsWhole      Key = "PART_EXCEEDS_WHOLE"
	WrongLevel            Key = "WRONG_LEVEL"
	WrongPeriodType       Key = "WRONG_PERIOD_TYPE"
	DuplicateElement      Key = "DUPLICATE_ELEMENT"
	UnknownTask           Key = "UNKNOWN_TASK"
	NotAMeasure           Key = "NOT_A_MEASURE"
	UnknownOutput         Key = "UNKNOWN_OUTPUT"
	BadTaskStatus         Key = "BAD_TASK_STATUS"
	NarrativeTooLong      Key = "NARRATIVE_TOO_LONG"
	CommentTooLong        Key = "COMMENT_TOO_LONG"
	DuplicateTask         Key = "DUPLICATE_TASK"
	DuplicateOutput       Key = "DUPLICATE_OUTPUT"
	OutOfRange            Key = "OUT_OF_RANGE"
	ValueAndMissingReason Key = "VALUE_AND_MISSING_REASON"
	EmptyMissingReason    Key = "EMPTY_MISSING_REASON"
	MissingReasonTooLong  Key = "MISSING_REASON_TOO_LONG"
	UnknownElementSuggest Key = "UNKNOWN_ELEMENT_SUGGEST"
	AmbiguousElement      Key = "AMBIGUOUS_ELEMENT"
	ElementCandidate      Key = "ELEMENT_CANDIDATE"
	WrongLevelMissing     Key = "WRONG_LEVEL_MISSING"
	TaskNotANumber        Key = "TASK_NOT_A_NUMBER"
	TaskNegative          Key = "TASK_NEGATIVE"
	TaskNotInteger        Key = "TASK_NOT_INTEGER"
	TaskNoOutputs         Key = "TASK_NO_OUTPUTS"
	Refused               Key = "REFUSED"
	RequiredMissing       Key = "REQUIRED_MISSING"
	RequiredMissingMore   Key = "REQUIRED_MISSING_MORE"
	LevelProvince         Key = "LEVEL_PROVINCE"
	LevelCity             Key = "LEVEL_CITY"
	LevelCounty           Key = "LEVEL_COUNTY"
	PeriodYearly          Key = "PERIOD_YEARLY"
	PeriodQuarterly       Key = "PERIOD_QUARTERLY"
	TaskLevelKeyTask      Key = "TASK_LEVEL_KEY_TASK"
	TaskLevelSubTask      Key = "TASK_LEVEL_SUB_TASK"
	TaskLevelMeasure      Key = "TASK_LEVEL_MEASURE"
	FlagYoYUp             Key = "YOY_CHANGE_UP"
	FlagYoYDown           Key = "YOY_CHANGE_DOWN"
	FlagPeerAbove         Key = "PEER_OUTLIER_ABOVE"
	FlagPeerBelow         Key = "PEER_OUTLIER_BELOW"
	FlagPeerOutlier       Key = "PEER_OUTLIER"
)

// Errors: the key of an apperr.Error's message; extensions.code is the error's class.
const (
	AuthRequired           Key = "AUTH_REQUIRED"
	AuthHeaderMalformed    Key = "AUTH_HEADER_MALFORMED"
	BadToken               Key = "BAD_TOKEN"
	TokenRegionUnknown     Key = "TOKEN_REGION_UNKNOWN"
	RegionNotFound         Key = "REGION_NOT_FOUND"
	NotInScope             Key = "NOT_IN_SCOPE"
	ActionEdit             Key = "ACTION_EDIT"
	ActionSubmit           Key = "ACTION_SUBMIT"
	ActionReview           Key = "ACTION_REVIEW"
	ActionReopen           Key = "ACTION_REOPEN"
	ActionRecall           Key = "ACTION_RECALL"
	ActionReadReport       Key = "ACTION_READ_REPORT"
	ActionWriteReport      Key = "ACTION_WRITE_REPORT"
	ReportSectionTooLong   Key = "REPORT_SECTION_TOO_LONG"
	ReportSectionChanged   Key = "REPORT_SECTION_CHANGED"
	ReportSectionUnknown   Key = "REPORT_SECTION_UNKNOWN"
	ReportBeforePlan       Key = "REPORT_BEFORE_PLAN"
	BadCursor              Key = "BAD_CURSOR"
	FirstOutOfRange        Key = "FIRST_OUT_OF_RANGE"
	UnknownIndicator       Key = "UNKNOWN_INDICATOR"
	TooManyPeriods         Key = "TOO_MANY_PERIODS"
	LiveUpdatesOff         Key = "LIVE_UPDATES_OFF"
	BadPeriod              Key = "BAD_PERIOD"
	PeriodInvalid          Key = "PERIOD_INVALID"
	PeriodShape            Key = "PERIOD_SHAPE"
	PeriodQuarter          Key = "PERIOD_QUARTER"
	PeriodYearRange        Key = "PERIOD_YEAR_RANGE"
	RangeStart             Key = "RANGE_START"
	RangeEnd               Key = "RANGE_END"
	RangeBackwards         Key = "RANGE_BACKWARDS"
	RangeTooLong           Key = "RANGE_TOO_LONG"
	VersionChanged         Key = "VERSION_CHANGED"
	ChangedConcurrently    Key = "CHANGED_CONCURRENTLY"
	CreatedConcurrently    Key = "CREATED_CONCURRENTLY"
	NegativeVersion        Key = "NEGATIVE_VERSION"
	SubmissionLocked       Key = "SUBMISSION_LOCKED"
	SubmissionUnderReview  Key = "SUBMISSION_UNDER_REVIEW"
	ReasonRequired         Key = "REASON_REQUIRED"
	ReasonTooLong          Key = "REASON_TOO_LONG"
	NoSubmission           Key = "NO_SUBMISSION"
	WrongStatus            Key = "WRONG_STATUS"
	TransitionSubmit       Key = "TRANSITION_SUBMIT"
	TransitionApprove      Key = "TRANSITION_APPROVE"
	TransitionReturn       Key = "TRANSITION_RETURN"
	TransitionReopen       Key = "TRANSITION_REOPEN"
	EmptySubmission        Key = "EMPTY_SUBMISSION"
	PeriodNotOpen          Key = "PERIOD_NOT_OPEN"
	PeriodClosed           Key = "PERIOD_CLOSED"
	OpenPeriodForbidden    Key = "OPEN_PERIOD_FORBIDDEN"
	NotACity               Key = "NOT_A_CITY"
	ClosesAtPast           Key = "CLOSES_AT_PAST"
	PublishForbidden       Key = "PUBLISH_FORBIDDEN"
	WithdrawReasonRequired Key = "WITHDRAW_REASON_REQUIRED"
	NeverPublished         Key = "NEVER_PUBLISHED"
	PublishedPerPeriod     Key = "PUBLISHED_PER_PERIOD"
	NotPublished           Key = "NOT_PUBLISHED"
	PreviewFiguresOwnStaff Key = "PREVIEW_FIGURES_OWN_STAFF"
	PreviewDashboardOwn    Key = "PREVIEW_DASHBOARD_OWN_STAFF"
	PreviewProgressOwn     Key = "PREVIEW_PROGRESS_OWN_STAFF"
	InternalError          Key = "INTERNAL_ERROR"
	IntrospectionOff       Key = "INTROSPECTION_DISABLED"

	// The request itself: the transport, the budget, faults (server).
	TooDeep        Key = "QUERY_TOO_DEEP"
	TooManyAliases Key = "TOO_MANY_ALIASES"
	TooComplex     Key = "COMPLEXITY_LIMIT_EXCEEDED"
	BodyTooLarge   Key = "PAYLOAD_TOO_LARGE"
	BadJSON        Key = "BAD_JSON"
	BadArgument    Key = "BAD_ARGUMENT"
	BadParam       Key = "BAD_PARAM"
	NotAcceptable  Key = "NOT_ACCEPTABLE"
	NoQuery        Key = "NO_QUERY"
	BadQueryString Key = "BAD_QUERY_STRING"
	GetNotQuery    Key = "GET_NOT_QUERY"
	Unstorable     Key = "UNSTORABLE"
	Batch          Key = "BATCH"
	EmptyBody      Key = "EMPTY_BODY"
	NoTransport    Key = "NO_TRANSPORT"
	BadMultipart   Key = "BAD_MULTIPART"
	ReadBody       Key = "READ_BODY"
	Timeout        Key = "TIMEOUT"
	Unavailable    Key = "UNAVAILABLE"
	Canceled       Key = "CANCELED"
)

// Gap decomposition (package gap): the notes of Indicator.gap and the sentences of the
// report's paragraph on a gap.
const (
	GapAchieved             Key = "GAP_ACHIEVED"
	GapNoTarget             Key = "GAP_NO_TARGET"
	GapNoData               Key = "GAP_NO_DATA"
	GapWithheld             Key = "GAP_WITHHELD"
	GapNotPublished         Key = "GAP_NOT_PUBLISHED"
	GapChildrenWithheld     Key = "GAP_CHILDREN_WITHHELD"
	GapParaShort            Key = "GAP_PARA_SHORT"
	GapParaExcess           Key = "GAP_PARA_EXCESS"
	GapParaAdd              Key = "GAP_PARA_ADD"
	GapParaAddSum           Key = "GAP_PARA_ADD_SUM"
	GapParaCutPart          Key = "GAP_PARA_CUT_PART"
	GapParaCut              Key = "GAP_PARA_CUT"
	GapParaLeader           Key = "GAP_PARA_LEADER"
	GapParaOthers           Key = "GAP_PARA_OTHERS"
	GapParaChild            Key = "GAP_PARA_CHILD"
	GapParaChildrenWithheld Key = "GAP_PARA_CHILDREN_WITHHELD"
	GapPercentPoints        Key = "GAP_PERCENT_POINTS"
)

type entry struct{ zh, en string }

var messages = map[Key]entry{
	// Validation of figures.
	UnknownElement:        {`"{element}" 不是本规划的数据元素`, `"{element}" is not a data element of the plan`},
	UnknownElementSuggest: {`"{element}" 不是本规划的数据元素;您是否要找:{candidates}`, `"{element}" is not a data element of the plan; did you mean: {candidates}`},
	AmbiguousElement:      {`"{element}" 对应多个数据元素,请改填代码:{candidates}`, `"{element}" names more than one data element; enter the code instead: {candidates}`},
	ElementCandidate:      {`{code}({name})`, `{code} ({name})`},
	NotANumber:            {`{name} {code}:{value} 不是有效数值`, `{code} ({name}): {value} is not a number`},
	Negative:              {`{name} {code}:{value} 为负数,数据不能小于0`, `{code} ({name}): {value} is negative; figures cannot be below 0`},
	NotInteger:            {`{name} {code}:{value} 不是整数,该指标计数`, `{code} ({name}): {value} is not a whole number; it counts things`},
	PercentRange:          {`{name} {code}:{value}% 超出0–100%的范围`, `{code} ({name}): {value}% is outside 0–100%`},
	ScoreRange:            {`{name} {code}:得分 {value} 超出0–100的范围`, `{code} ({name}): score {value} is outside 0–100`},
	OutOfRange:            {`{name} {code}:{value} 超出上限 {max},请核实`, `{code} ({name}): {value} is above the bound of {max} for this figure; check it`},
	PartExceedsWhole:      {`{name} {code}:{value} 大于 {wholeName} {whole}:{wholeValue},部分不能大于整体`, `{code} ({name}) = {value} exceeds {whole} ({wholeName}) = {wholeValue}: a part cannot be larger than its whole`},
	WrongLevel:            {`{name} {code}:{value} 由{collectedAt}填报,不由{level}填报,请在{collectedAt}的报表中填写`, `{code} ({name}): {value} is collected at {collectedAt} level, not by a {level}: enter it on the {collectedAt}'s own submission`},
	WrongLevelMissing:     {`{name} {code} 不由{level}在{period}填报,无需说明缺失原因`, `{code} ({name}) is not collected by a {level} for {period}; no missingReason is needed`},
	WrongPeriodType:       {`{name} {code}:{value} 不按{periodType}填报(如 {period})`, `{code} ({name}): {value} — the figure is not collected for {periodType} periods like {period}`},
	DuplicateElement:      {`{element} 在本次请求中出现多次`, `{element} appears more than once in the request`},
	CommentTooLong:        {`{element}:备注超过{max}字`, `{element}: the comment is longer than {max} characters`},
	ValueAndMissingReason: {`{name} {code}:同时填写了数值 {value} 和缺失原因,只能二选一`, `{code} ({name}): a value ({value}) and a missingReason: send one or the other`},
	EmptyMissingReason:    {`{name} {code}:缺失原因为空,请说明无法填报的原因`, `{code} ({name}): missingReason is empty: say why the figure is unavailable`},
	MissingReasonTooLong:  {`{name} {code}:缺失原因超过{max}字`, `{code} ({name}): missingReason is longer than {max} characters`},
	UnknownTask:           {`"{task}" 不是本规划的重点任务`, `task "{task}" is not a key task of the plan`},
	NotAMeasure:           {`任务 {task} 是{level},进度按具体举措填报(如 {task}.1)`, `task {task} is a {level}: progress is reported per measure (like {task}.1)`},
	DuplicateTask:         {`任务 {task} 在本次请求中出现多次`, `task {task} appears more than once in the request`},
	BadTaskStatus:         {`任务 {task}:状态 "{status}" 无效,应为 NOT_STARTED、IN_PROGRESS 或 DONE`, `task {task}: status "{status}" is not NOT_STARTED, IN_PROGRESS or DONE`},
	NarrativeTooLong:      {`任务 {task}:进展说明超过{max}字`, `task {task}: the narrative is longer than {max} characters`},
	UnknownOutput:         {`任务 {task} 没有产出指标 "{output}"(可填:{known})`, `task {task} has no output "{output}" (it reports: {known})`},
	TaskNoOutputs:         {`无产出指标`, `no output figures`},
	DuplicateOutput:       {`任务 {task}:产出指标 {output} 出现多次`, `task {task}: output {output} appears more than once`},
	TaskNotANumber:        {`任务 {task} {output}:{value} 不是有效数值`, `task {task} {output}: {value} is not a number`},
	TaskNegative:          {`任务 {task} {output}({name}):{value} 为负数`, `task {task} {output} ({name}): {value} is negative`},
	TaskNotInteger:        {`任务 {task} {output}({name}):{value} 不是整数({unit})`, `task {task} {output} ({name}): {value} is not a whole number of {unit}`},
	Refused:               {`{count} 项数据被拒绝,未保存任何数据:{violations}`, `{count} value(s) refused, nothing was saved: {violations}`},
	RequiredMissing:       {`{region} {period} 缺少{count}项必填数据:{elements}。请填写,或以 missingReason 说明无法填报的原因`, `{region} {period}: {count} required figures are missing ({elements}): enter them or declare them unavailable with missingReason`},
	RequiredMissingMore:   {`{elements} 等{count}项(见 extensions.missing)`, `{elements} and others, {count} in all (see extensions.missing)`},

	// Words used inside messages.
	LevelProvince:    {`省级`, `province`},
	LevelCity:        {`市级`, `city`},
	LevelCounty:      {`县级`, `county`},
	PeriodYearly:     {`年度`, `yearly`},
	PeriodQuarterly:  {`季度`, `quarterly`},
	TaskLevelKeyTask: {`重点任务`, `key task`},
	TaskLevelSubTask: {`子任务`, `sub-task`},
	TaskLevelMeasure: {`举措`, `measure`},

	// Quality flags.
	FlagYoYUp:       {`{name} {code}:{value} 较上期({previousPeriod}) {previous} 上升超过{factor}倍,请核实`, `{code} ({name}): {value} is more than {factor} times its {previousPeriod} figure {previous}; check it`},
	FlagYoYDown:     {`{name} {code}:{value} 较上期({previousPeriod}) {previous} 下降超过{factor}倍,请核实`, `{code} ({name}): {value} is less than 1/{factor} of its {previousPeriod} figure {previous}; check it`},
	FlagPeerAbove:   {`{name} {code}:{value} 明显高于同级{peers}个单位的中位数 {median}(稳健z值 {z}),请核实`, `{code} ({name}): {value} is far above the median {median} of {peers} peers (robust z-score {z}); check it`},
	FlagPeerBelow:   {`{name} {code}:{value} 明显低于同级{peers}个单位的中位数 {median}(稳健z值 {z}),请核实`, `{code} ({name}): {value} is far below the median {median} of {peers} peers (robust z-score {z}); check it`},
	FlagPeerOutlier: {`{name} {code}:{value} 与同级单位相比明显异常,市局审核时将核实`, `{code} ({name}): {value} is far out of line with comparable units; the city will check it`},

	// Errors.
	AuthRequired:           {`需要身份认证:请发送 Authorization: Bearer <令牌>`, `authentication required: send Authorization: Bearer <token>`},
	AuthHeaderMalformed:    {`Authorization 头格式应为:Bearer <令牌>`, `Authorization header must be: Bearer <token>`},
	BadToken:               {`令牌无效或已过期`, `invalid or expired token`},
	TokenRegionUnknown:     {`令牌中的地区 "{region}" 不存在`, `token region "{region}" does not exist`},
	RegionNotFound:         {`未找到地区 "{region}"`, `region "{region}" not found`},
	NotInScope:             {`{regionOfCaller}的{role}无权{action} {code} {name} 的数据`, `a {role} of {regionOfCaller} may not {action} figures of {code} {name}`},
	ActionEdit:             {`填报`, `edit`},
	ActionSubmit:           {`报送`, `submit`},
	ActionReview:           {`审核或退回`, `approve or return`},
	ActionReopen:           {`重新开放`, `reopen`},
	ActionRecall:           {`撤回`, `recall`},
	ActionReadReport:       {`查看评估报告`, `read the evaluation report of`},
	ActionWriteReport:      {`填写评估报告`, `write the evaluation report of`},
	ReportSectionTooLong:   {`text:{section}超过{max}字(现为{length}字)`, `text: {section} is longer than {max} characters ({length})`},
	ReportSectionUnknown:   {`section:"{value}" 不是可填写的报告部分(PROBLEMS 存在的问题,NEXT_STEPS 下一步工作)`, `section: "{value}" is not a section the region writes (PROBLEMS, NEXT_STEPS)`},
	ReportBeforePlan:       {`asOf:{asOf} 早于规划起始年 {start} 年,无可评估的内容`, `asOf: {asOf} is before the plan's first year, {start}: there is nothing to evaluate`},
	ReportSectionChanged:   {`报告的“{section}”在您加载后已被修改(当前版本 {version}):请重新加载后再试`, `the report's {section} has changed since you loaded it (now version {version}): reload it and try again`},
	BadCursor:              {`after:"{cursor}" 不是本接口给出的游标`, `after: "{cursor}" is not a cursor this API gave out`},
	FirstOutOfRange:        {`first:{first} 超出1–500的范围`, `first: {first} is outside 1–500`},
	UnknownIndicator:       {`indicatorCodes:"{indicator}" 不是本规划的指标`, `indicatorCodes: "{indicator}" is not an indicator of the plan`},
	TooManyPeriods:         {`periods:请求了{count}个期间,最多40个`, `periods: {count} periods asked, at most 40`},
	LiveUpdatesOff:         {`实时更新未启用`, `live updates are not running on this server`},
	BadPeriod:              {`{field}:{period}`, `{field}: {period}`},
	PeriodInvalid:          {`期间 "{value}" 无效:{reason}`, `period "{value}": {reason}`},
	PeriodShape:            {`应为年份(如2021)或季度(如2023Q1)`, `expected a year like 2021 or a quarter like 2023Q1`},
	PeriodQuarter:          {`季度应为1至4`, `quarter must be 1 to 4`},
	PeriodYearRange:        {`年份应在{min}至{max}之间`, `year must be {min} to {max}`},
	RangeStart:             {`起始期间 "{start}" {reason}`, `the start "{start}": {reason}`},
	RangeEnd:               {`截止期间 "{end}" {reason}`, `the end "{end}": {reason}`},
	RangeBackwards:         {`截止期间早于起始期间`, `the range ends before it starts`},
	RangeTooLong:           {`期间范围最多{max}年`, `a range spans at most {max} years`},
	VersionChanged:         {`报表在您加载后已被修改(当前版本 {version}):请重新加载后再试`, `the submission has changed since you loaded it (now version {version}): reload it and try again`},
	ChangedConcurrently:    {`报表同时被他人修改:请重新加载后再试`, `the submission was changed concurrently: reload it and try again`},
	CreatedConcurrently:    {`报表同时被他人创建:请重新加载后再试`, `the submission was created concurrently: reload it and try again`},
	NegativeVersion:        {`expectedVersion:{version} 为负数`, `expectedVersion: {version} is negative`},
	SubmissionLocked:       {`{region} {period} 的报表已审核通过并锁定:可由管理员重新开放`, `the {period} submission of {region} is approved and locked: an admin may reopen it`},
	SubmissionUnderReview:  {`{region} {period} 的报表正在审核:市局退回后方可修改`, `the {period} submission of {region} is under review: it can be edited again once the city returns it`},
	ReasonRequired:         {`reason:请说明退回的原因`, `reason: say why the submission goes back to the county`},
	ReasonTooLong:          {`reason:超过{max}字`, `reason: longer than {max} characters`},
	NoSubmission:           {`{region} 没有 {period} 的报表`, `{region} has no submission for {period}`},
	WrongStatus:            {`无法{action} {region} {period} 的报表:其状态为 {status}(只有 {from} 状态可以)`, `cannot {action} the {period} submission of {region}: it is {status} (only {from} can be)`},
	TransitionSubmit:       {`报送`, `submit`},
	TransitionApprove:      {`审核通过`, `approve`},
	TransitionReturn:       {`退回`, `return`},
	TransitionReopen:       {`重新开放`, `reopen`},
	EmptySubmission:        {`{region} {period} 的报表为空:请先保存数据再报送`, `the {period} submission of {region} is empty: save its figures before submitting`},
	PeriodNotOpen:          {`期间 {period} 未开放填报:由市级管理员以 openPeriod 开放`, `period {period} is not open for entry: the city opens periods with openPeriod`},
	PeriodClosed:           {`期间 {period} 已于 {closesAt} 截止填报`, `period {period} closed for entry at {closesAt}`},
	OpenPeriodForbidden:    {`只有市级管理员可以开放或关闭本市的填报期间`, `only a city's admin opens and closes its reporting periods`},
	NotACity:               {`regionCode:填报期间由市开放,{code} {name} 不是市`, `regionCode: reporting periods belong to a city; {code} {name} is not one`},
	ClosesAtPast:           {`closesAt:{closesAt} 不是将来的时间`, `closesAt: {closesAt} is not in the future`},
	PublishForbidden:       {`只有 {code} {name} 或其上级的管理员可以发布其汇总数据`, `only an admin of {code} {name} or above publishes its totals`},
	WithdrawReasonRequired: {`reason:请说明撤回发布的原因`, `reason: say why the publication is withdrawn`},
	NeverPublished:         {`{code} {name} 的 {period} 汇总数据未曾发布`, `{code} {name} has not published {period}`},
	PublishedPerPeriod:     {`{code} {name} 的汇总数据按期发布,不提供期间范围 {period}`, `the totals of {code} {name} are published per period, not for the range {period}`},
	NotPublished:           {`{code} {name} 的 {period} 汇总数据尚未发布`, `{code} {name} has not published its totals for {period}`},
	PreviewFiguresOwnStaff: {`includeUnapproved:{code} {name} 的未审核数据预览仅供本级使用,下级可读取其已发布的汇总数`, `includeUnapproved: a preview of {code} {name}'s unapproved figures is for its own staff; its published totals are readable`},
	PreviewDashboardOwn:    {`includeUnapproved:{code} {name} 的未审核数据预览仅供本级使用,可读取其已审核的数据`, `includeUnapproved: a preview of {code} {name}'s unapproved figures is for its own staff; its approved dashboard is readable`},
	PreviewProgressOwn:     {`includeUnapproved:{code} {name} 未审核的任务进展预览仅供本级使用`, `includeUnapproved: a preview of {code} {name}'s unapproved progress is for its own staff`},
	InternalError:          {`内部错误`, `internal error`},
	IntrospectionOff:       {`本服务未开放架构查询(introspection)`, `introspection disabled`},

	TooDeep:        {`查询嵌套过深:{depth} 层,上限 {limit} 层。请拆分查询。`, `query nests {depth} levels deep; the limit is {limit}`},
	TooManyAliases: {`同一查询中字段 {field} 出现 {count} 次(别名),上限 {limit} 次。请分多次请求。`, `field {field} is asked for {count} times under aliases; the limit is {limit}`},
	TooComplex:     {`查询代价过高:估算 {cost},上限 {limit}。请减少列表长度(first)、别名或嵌套。`, `operation has complexity {cost}, which exceeds the limit of {limit}`},
	BodyTooLarge:   {`请求体过大,上限 {limit} 字节。`, `request body exceeds the limit of {limit} bytes`},
	BadJSON:        {`请求体不是有效的 JSON:{err}。`, `request body is not valid JSON: {err}`},
	BadArgument:    {`参数 {name} 的值无效:{err}(时间须为 RFC 3339 格式,年份 0001–9999)。`, `argument {name} is invalid: {err} (times are RFC 3339, years 0001–9999)`},
	BadParam:       {`URL 参数 {name} 不是有效的 JSON 对象:{err}。`, `URL parameter {name} is not a valid JSON object: {err}`},
	NotAcceptable:  {`无法按 Accept 头给出的类型应答:本服务只返回 application/graphql-response+json 或 application/json。`, `not acceptable: the service answers application/graphql-response+json or application/json only`},
	NoQuery:        {`请求缺少 query:应为 {"query": "…"}(GET 请求用 ?query=…)。`, `the request has no query: send {"query": …}, or ?query=… with GET`},
	BadQueryString: {`URL 查询字符串格式错误。`, `the URL query string is malformed`},
	GetNotQuery:    {`GET 请求只能执行查询(query);变更(mutation)请用 POST。`, `GET runs queries only; send mutations with POST`},
	Unstorable:     {`输入包含无法保存的字符或数值(例如 NUL 字符,或超出范围的数值)。`, `the input holds a character or value that cannot be stored, such as a NUL character or a value out of range`},
	Batch:          {`不支持批量请求:请求体应为一个 JSON 对象 {"query": …},而不是数组。`, `batched requests are not supported: send one JSON object, not an array`},
	EmptyBody:      {`请求体为空:应为一个 JSON 对象 {"query": …}。`, `empty request body: send a JSON object {"query": …}`},
	BadMultipart:   {`multipart 请求格式错误({err}):应依次为 operations、map 和文件各部分(GraphQL multipart request 规范)。`, `malformed multipart request ({err}): send the operations, map and file parts of the GraphQL multipart request specification`},
	NoTransport:    {`不是 GraphQL 请求({method}):查询用 GET ?query=… 或 POST(Content-Type: application/json);上传 Excel 用 POST multipart/form-data;订阅用 websocket。`, `not a GraphQL request ({method}): send GET ?query=…, POST with Content-Type application/json, POST multipart/form-data for an upload, or a websocket for subscriptions`},
	ReadBody:       {`读取请求体失败。`, `could not read the request body`},
	Timeout:        {`请求超时,已取消。请缩小查询范围后重试。`, `the request ran past its deadline and was cancelled`},
	Unavailable:    {`数据库暂时不可用,请稍后重试。`, `the database is unavailable; retry later`},
	Canceled:       {`请求已被客户端取消。`, `the client cancelled the request`},

	TransitionRecall:   {`撤回`, `recall`},
	RecallNotSubmitted: {`只能撤回已报送且尚未审核的报表;{region} {period} 的报表当前状态为 {status}`, `only a SUBMITTED submission not yet reviewed can be recalled; the {period} submission of {region} is {status}`},

	ExcelReadUpload:    {`读取上传文件失败`, `could not read the upload`},
	ExcelNotWorkbook:   {`file:上传的文件不是有效的 .xlsx 工作簿`, `file: the upload is not an .xlsx workbook`},
	ExcelNoSheet:       {`file:工作簿中没有“{sheet}”工作表,请使用 /excel/template 下载的填报表`, `file: the workbook has no sheet "{sheet}": use the entry sheet from /excel/template`},
	ExcelWrongSheet:    {`{sheet}!{cell}:表中的{what}为 "{found}",与导入的 "{expected}" 不符,整表未导入`, `{sheet}!{cell}: the sheet's {what} is "{found}", not "{expected}": nothing was saved`},
	ExcelFieldRegion:   {`地区代码`, `region code`},
	ExcelFieldPeriod:   {`期间`, `period`},
	ExcelFieldPlan:     {`规划`, `plan`},
	ExcelBadVersion:    {`{sheet}!{cell}:版本号 "{value}" 不是整数`, `{sheet}!{cell}: the version "{value}" is not a whole number`},
	ExcelUnreadable:    {`file:无法读取“{sheet}”工作表`, `file: the sheet "{sheet}" cannot be read`},
	ExcelNothingFilled: {`file:表中没有填写任何数值,未保存任何数据`, `file: the sheet has no figures entered; nothing was saved`},
	ExcelCellNotNumber: {`{code}:"{value}" 不是数字`, `{code}: "{value}" is not a number`},
	ExcelCell:          {`“{sheet}”表 {cell} 单元格:{message}`, `{sheet}!{cell}: {message}`},
	ExcelCellsRefused:  {`{count}个单元格被拒绝,未保存任何数据:{cells}`, `{count} cells refused, nothing was saved: {cells}`},
	ExcelNoEndpoint:    {`没有这个 Excel 接口:可用 /excel/template、/excel/import、/excel/dashboard`, `no such Excel endpoint: /excel/template, /excel/import, /excel/dashboard`},
	ExcelMethod:        {`{path} 不接受 {method},请用 {allowed}`, `{method} {path}: use {allowed}`},
	ExcelArgsRequired:  {`region 和 period 必须填写,如 ?region=419902&period=2024`, `region and period are required: ?region=419902&period=2024`},
	ExcelNotMultipart:  {`file:请以 multipart/form-data 发送,工作簿放在 "file" 字段,并附 region 和 period`, `file: send multipart/form-data with the workbook in "file", and region and period`},
	ExcelFormArgs:      {`region 和 period 是必填的表单字段`, `region and period are required form fields`},
	ExcelVersionNotInt: {`expectedVersion:"{value}" 不是整数`, `expectedVersion: "{value}" is not a whole number`},
	ExcelNoFile:        {`file:表单字段 "file" 中没有工作簿`, `file: no workbook in the form field "file"`},

	SubscriptionOverHTTP:  {`订阅(subscription)须通过 WebSocket(graphql-transport-ws 协议)发送,不能用 GET 或 POST`, `subscriptions go over the websocket (graphql-transport-ws), not over GET or POST`},
	SocketNotSubscription: {`WebSocket 连接只承载订阅(subscription);查询和变更请用 HTTP 的 GET 或 POST 发送`, `the websocket carries subscriptions only; send queries and mutations over HTTP`},
	SocketOrigin:          {`此来源的网页不能打开 WebSocket 连接(不在 CORS_ORIGINS 之列)`, `a page from this origin may not open a websocket: it is not in CORS_ORIGINS`},
	OneStream:             {`一个订阅只能选择一个顶层字段,此订阅选择了{count}个:请分开订阅`, `a subscription selects exactly one top-level field; this one selects {count}`},
	TooManySubscriptions:  {`此连接上的订阅已达上限{limit}个:请先结束(complete)不再需要的订阅`, `this socket already carries {limit} subscriptions, the limit: complete one first`},

	ExcelTooLarge:       {`file:工作簿过大({what}),不是 /excel/template 下载的填报表`, `file: the workbook is far larger than an entry sheet ({what})`},
	ExcelRowNumber:      {`第{row}行超过上限{max}行`, `row {row} > {max}`},
	ExcelTooManyRows:    {`超过{max}行`, `more than {max} rows`},
	ExcelCellBeyond:     {`单元格 {cell} 超出 AZ 列`, `cell {cell} beyond column AZ`},
	ExcelPartTooLarge:   {`{part} 超过{max}字节`, `{part} holds more than {max} bytes`},
	ExcelSheetsTooLarge: {`工作表合计超过{max}字节`, `more than {max} bytes of sheets`},
	ExcelFormulaNoValue: {`{code}:公式 ={formula} 没有计算结果,请在 Excel 中打开并保存后再导入`, `{code}: the formula ={formula} has no computed value: open and save the file in Excel`},
	// The evaluation report's downloads (server/report.go).
	ReportNoEndpoint:   {`没有这个报告接口:可用 /reports/evaluation.docx、/reports/evaluation.html、/reports/evaluation.xlsx`, `no such report endpoint: /reports/evaluation.docx, /reports/evaluation.html, /reports/evaluation.xlsx`},
	ReportArgsRequired: {`region 和 asOf 必须填写,如 ?region=419900&asOf=2023Q1`, `region and asOf are required: ?region=419900&asOf=2023Q1`},

	// Gap decomposition (gap/).
	GapAchieved:             {`{period}{indicator}为{value},已达到{targetYear}年目标{target},无差距`, `in {period} {indicator} stood at {value}: the {targetYear} target of {target} is met, no gap`},
	GapNoTarget:             {`{indicator}的目标未明确(报告中为 XX),无法测算差距`, `the target of {indicator} is unknown (XX in the report): no gap can be measured`},
	GapNoData:               {`{indicator}在{region}没有可评估的完整年度数据,无法测算差距`, `{indicator} has no full year of figures to judge in {region}: no gap can be measured`},
	GapWithheld:             {`{region}{period}的已发布合计对调用者所在层级隐去(相当于一两个同级辖区的数据),不测算差距`, `the published {period} total of {region} is withheld from the caller's level (it would amount to one or two sibling subtrees' figures): no gap is measured`},
	GapNotPublished:         {`{region}{period}的汇总数据尚未发布,不测算差距`, `{region} has not published its {period} totals: no gap is measured`},
	GapChildrenWithheld:     {`{region}在调用者的上级:只能读其已发布的合计,各下级区划的明细不予提供`, `{region} is above the caller's region: only its published total is read, and the breakdown by the regions below it is not given`},
	GapParaShort:            {`{period}{indicator}为{value},距{targetYear}年目标{target}尚差{shortfall}`, `In {period}, {indicator} stood at {value}, {shortfall} short of the {targetYear} target of {target}`},
	GapParaExcess:           {`{period}{indicator}为{value},超出{targetYear}年目标上限{target}达{shortfall}`, `In {period}, {indicator} stood at {value}, {shortfall} above the {targetYear} limit of {target}`},
	GapParaAdd:              {`,需再增加{what}{change}({required}/{denominator})`, `; {change} more {what} would have met it ({required} / {denominator})`},
	GapParaAddSum:           {`,需再增加{what}{change}`, `; {change} more {what} would have met it`},
	GapParaCutPart:          {`,需减少{what}{change}(达标需{required}/{denominator})`, `; {change} fewer {what} would have met it ({required} / {denominator})`},
	GapParaCut:              {`,需减少{what}{change}`, `; {change} fewer {what} would have met it`},
	GapParaLeader:           {`;其中{child}最多`, `; {child} pulls the total down most`},
	GapParaOthers:           {`,其次为{children}`, `, then {children}`},
	GapParaChild:            {`{name}({value},拉低{contribution})`, `{name} ({value}, pulling it down by {contribution})`},
	GapPercentPoints:        {`{value}个百分点`, `{value} percentage points`},
	GapParaChildrenWithheld: {`;各下级区划的明细不予公开`, `; the breakdown by the regions below is not given`},
}

// Keys added with the workflow's recall and the Excel endpoints.
const ( // Workflow additions.
	TransitionRecall   Key = "TRANSITION_RECALL"
	RecallNotSubmitted Key = "RECALL_NOT_SUBMITTED"

	// The Excel endpoints and the workbook import (excel, server/excel.go).
	ExcelReadUpload    Key = "EXCEL_READ_UPLOAD"
	ExcelNotWorkbook   Key = "EXCEL_NOT_WORKBOOK"
	ExcelNoSheet       Key = "EXCEL_NO_SHEET"
	ExcelWrongSheet    Key = "EXCEL_WRONG_SHEET"
	ExcelFieldRegion   Key = "EXCEL_FIELD_REGION"
	ExcelFieldPeriod   Key = "EXCEL_FIELD_PERIOD"
	ExcelFieldPlan     Key = "EXCEL_FIELD_PLAN"
	ExcelBadVersion    Key = "EXCEL_BAD_VERSION"
	ExcelUnreadable    Key = "EXCEL_UNREADABLE"
	ExcelNothingFilled Key = "EXCEL_NOTHING_FILLED"
	ExcelCellNotNumber Key = "EXCEL_CELL_NOT_A_NUMBER"
	ExcelCell          Key = "EXCEL_CELL"
	ExcelCellsRefused  Key = "EXCEL_CELLS_REFUSED"
	ExcelNoEndpoint    Key = "EXCEL_NO_ENDPOINT"
	ExcelMethod        Key = "EXCEL_METHOD"
	ExcelArgsRequired  Key = "EXCEL_ARGS_REQUIRED"
	ExcelNotMultipart  Key = "EXCEL_NOT_MULTIPART"
	ExcelFormArgs      Key = "EXCEL_FORM_ARGS"
	ExcelVersionNotInt Key = "EXCEL_VERSION_NOT_INT"
	ExcelNoFile        Key = "EXCEL_NO_FILE"
)

// Keys of the websocket's limits.
const (
	SubscriptionOverHTTP  Key = "SUBSCRIPTION_OVER_HTTP"
	SocketNotSubscription Key = "SOCKET_NOT_SUBSCRIPTION"
	SocketOrigin          Key = "SOCKET_ORIGIN"
	OneStream             Key = "ONE_STREAM"
	TooManySubscriptions  Key = "TOO_MANY_SUBSCRIPTIONS"
)

// Keys of the Excel import's shape limits.
const (
	ExcelTooLarge       Key = "EXCEL_TOO_LARGE"
	ExcelRowNumber      Key = "EXCEL_ROW_NUMBER"
	ExcelTooManyRows    Key = "EXCEL_TOO_MANY_ROWS"
	ExcelCellBeyond     Key = "EXCEL_CELL_BEYOND"
	ExcelPartTooLarge   Key = "EXCEL_PART_TOO_LARGE"
	ExcelSheetsTooLarge Key = "EXCEL_SHEETS_TOO_LARGE"
	ExcelFormulaNoValue Key = "EXCEL_FORMULA_NO_VALUE"
)

// Keys of the evaluation report's downloads.
const (
	ReportNoEndpoint   Key = "REPORT_NO_ENDPOINT"
	ReportArgsRequired Key = "REPORT_ARGS_REQUIRED"
)
