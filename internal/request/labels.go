package request

// Labels are [Chinese, English].
var (
	kindLabels = map[Kind][2]string{
		Complaint: {"投诉", "Complaint"}, Privacy: {"保密", "Privacy"},
		Correction: {"调整", "Correction"}, Suggestion: {"建议", "Suggestion"},
	}
	subkindLabels = map[Subkind][2]string{
		SubProperty: {"物业", "Property"}, SubService: {"服务质量", "Service quality"}, SubOther: {"其他", "Other"},
		SubDataStorage: {"资料保存", "Data storage"}, SubDataLent: {"资料外借", "Data lent out"},
		SubLostPassword: {"密码遗失", "Lost password"}, SubDataCopy: {"复制我的个人信息", "A copy of my data"},
		SubAccountDeletion: {"注销账户", "Delete my account"}, SubProfile: {"个人资料", "Profile"},
		SubPoints: {"积分", "Points"}, SubEvents: {"活动", "Events"}, SubPublications: {"刊物", "Publications"},
		SubWebsite: {"网站", "Website"},
	}
	channelLabels = map[Channel][2]string{
		Portal: {"会员自助", "Portal"}, Phone: {"电话", "Phone"}, Site: {"现场", "On site"}, Forum: {"论坛", "Forum"}, Email: {"邮件", "Email"},
	}
	statusLabels = map[Status][2]string{
		Open: {"待受理", "Open"}, Assigned: {"已分派", "Assigned"}, InProgress: {"处理中", "In progress"}, Waiting: {"待会员回复", "Waiting for the member"},
		Resolved: {"已解决", "Resolved"}, Closed: {"已关闭", "Closed"},
	}
	departmentLabels = map[string][2]string{
		"design": {"设计部", "Design"}, "engineering": {"工程部", "Engineering"},
		"market_research": {"营销研究部", "Market research"}, "brand": {"品牌部", "Brand"},
		"planning": {"策划部", "Planning"}, "property": {"物业公司", "Property management"},
		"customer_relations": {"客户会", "Customer club"},
	}
)

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Label is the kind's name in lang ("en" or Chinese).
func (k Kind) Label(lang string) string { return pick(kindLabels[k], lang) }

// Label is the subkind's name in lang.
func (k Subkind) Label(lang string) string { return pick(subkindLabels[k], lang) }

// Label is the channel's name in lang.
func (c Channel) Label(lang string) string { return pick(channelLabels[c], lang) }

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return pick(statusLabels[s], lang) }

// DepartmentLabel is the usual name in lang of a department code of
// DepartmentCodes ("" for another code).
func DepartmentLabel(code, lang string) string { return pick(departmentLabels[code], lang) }

// eventLabels name the lines of a request's history.
var eventLabels = map[string][2]string{
	"submitted": {"提交诉求", "submitted"}, "routed": {"自动分派到部门", "routed to a department"},
	"taken": {"接手处理", "taken"}, "assigned": {"分派给员工", "assigned"}, "transferred": {"转派部门", "transferred"},
	"replied": {"回复会员", "replied"}, "noted": {"内部备注", "internal note"}, "waiting": {"等待会员回复", "waiting for the member"},
	"member_replied": {"会员回复", "the member replied"}, "resolved": {"办结", "resolved"}, "confirmed": {"会员确认解决", "confirmed by the member"},
	"auto_closed": {"自动关闭", "closed automatically"}, "reopened": {"重新打开", "reopened"}, "merged": {"合并到其他诉求", "merged"},
	"merged_from": {"合并了重复诉求", "took a duplicate"}, "escalated": {"逾期升级", "escalated"}, "rated": {"会员评价", "rated"},
	"topic": {"设置主题", "topic set"}, "deletion_approved": {"批准注销账户", "account deletion approved"},
	"copy_ready": {"个人信息副本已生成", "data copy ready"},
}

// EventLabel names a history line's action in lang (the action itself when unknown).
func EventLabel(action, lang string) string { return eventLabel(action, lang) }

func eventLabel(action, lang string) string {
	l, ok := eventLabels[action]
	if !ok {
		return action
	}
	return pick(l, lang)
}
