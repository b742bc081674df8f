package audit

import (
	"slices"
	"strings"
)

// Actions lists every action the code records (Change.Action), sorted. The
// pages show each in words (the message "audit.act.<action>"); a test in
// this package reads the code's audit.Record calls and fails on an action
// missing here, and one in internal/web fails on an action without words
// in both languages.
var Actions = []string{
	"auth.login",
	"auth.login_failed",
	"auth.logout",
	"calendar.delete_day",
	"calendar.set_days",
	"calendar.set_hours",
	"card.batch.create",
	"card.delivery",
	"card.design.create",
	"card.design.update",
	"card.issue",
	"card.lost",
	"card.prefix",
	"card.reissue",
	"card.void",
	"event.approved",
	"event.call",
	"event.calls",
	"event.cancelled",
	"event.checkin",
	"event.closed",
	"event.copied",
	"event.cost",
	"event.created",
	"event.export",
	"event.held",
	"event.plan",
	"event.published",
	"event.receipt",
	"event.reg_closed",
	"event.register",
	"event.returned",
	"event.submitted",
	"event.survey_sent",
	"event.unregister",
	"event.updated",
	"job.output.download",
	"jobs.retention",
	"lead.assign",
	"lead.claim.granted",
	"lead.claim.rejected",
	"lead.config",
	"lead.deal",
	"lead.export",
	"lead.import",
	"lead.pool_return",
	"lead.register",
	"lead.sheet",
	"lead.signoff",
	"lead.update",
	"member.apply",
	"member.approve",
	"member.batch",
	"member.conflict.apply",
	"member.conflict.dismiss",
	"member.enrol",
	"member.export",
	"member.property.add",
	"member.return",
	"member.reveal",
	"member.session_attach",
	"member.sign_in",
	"member.sign_out",
	"member.tier",
	"member.tier.approved",
	"member.tier.rejected",
	"member.tier.request",
	"member.update",
	"org.create",
	"org.update",
	"periodic.run_now",
	"points.adjust.approved",
	"points.adjust.propose",
	"points.adjust.rejected",
	"points.award.batch",
	"points.expire",
	"points.expire.batch",
	"points.expiry_years",
	"points.plan.approve",
	"points.plan.cancel",
	"points.plan.change.approved",
	"points.plan.change.propose",
	"points.plan.change.rejected",
	"points.plan.create",
	"points.plan.return",
	"points.plan.submit",
	"points.plan.update",
	"points.rule.add",
	"points.rule.update",
	"points.spend_anywhere",
	"privacy.anonymise",
	"privacy.copy",
	"privacy.copy_download",
	"redeem.apply",
	"redeem.approve",
	"redeem.auto_approve",
	"redeem.cancel",
	"redeem.fulfil",
	"redeem.item.create",
	"redeem.item.delete",
	"redeem.item.update",
	"redeem.reject",
	"request.assigned",
	"request.auto_closed",
	"request.confirmed",
	"request.copy_ready",
	"request.deletion_approved",
	"request.department_save",
	"request.escalated",
	"request.export",
	"request.file_download",
	"request.kind_edit",
	"request.member_replied",
	"request.merged",
	"request.noted",
	"request.rated",
	"request.reopened",
	"request.replied",
	"request.report_export",
	"request.resolved",
	"request.rule_delete",
	"request.rule_save",
	"request.sla_save",
	"request.submit",
	"request.taken",
	"request.topic",
	"request.transferred",
	"request.waiting",
	"staff.create",
	"staff.locale",
	"staff.password",
	"staff.role.grant",
	"staff.role.revoke",
	"staff.update",
	"survey.answer",
	"survey.close",
	"survey.create",
	"survey.export",
	"survey.open",
	"survey.send",
	"survey.update",
	"tier.period",
	"tier.update",
	"token.create",
	"token.revoke",
}

// Families are the actions built at run time as a prefix and a status the
// code's text does not spell out (a field of the object recorded): the
// suffixes listed here are every value that field takes.
var Families = map[string][]string{
	"points.adjust.": {"approved", "rejected"}, // points.AdjustmentStatus once decided
	// The steps of an event's life: event.Service.step records "event."
	// and the step its caller names.
	"event.": {"approved", "calls", "cancelled", "closed", "copied", "cost", "created", "held", "published", "reg_closed",
		"returned", "submitted", "survey_sent", "updated"},
	// The steps of request handling: request.Service.step records
	// "request." and the step its caller names.
	"request.": {"assigned", "confirmed", "copy_ready", "deletion_approved", "member_replied", "merged", "noted",
		"reopened", "replied", "resolved", "taken", "topic", "transferred", "waiting"},
}

// Known reports whether action is one the code records.
func Known(action string) bool {
	_, ok := slices.BinarySearch(Actions, action)
	return ok
}

// Area is the first part of an action ("member" of "member.tier.request"),
// what the log's filter groups actions by.
func Area(action string) string {
	area, _, _ := strings.Cut(action, ".")
	return area
}

// ObjectTypes are the kinds of object the code records (Change.ObjectType),
// sorted; the log's filter offers them in words ("audit.type.<type>"). A
// test reads the code for every literal ObjectType and fails on one missing.
var ObjectTypes = []string{
	"api_token", "calendar", "card", "card_batch", "card_design", "event", "event_plan", "expiry",
	"job", "lead", "lead_claim", "lead_settings", "lead_sheet", "lead_signoff", "member",
	"member_batch", "member_session", "org_node", "periodic_job", "point_adjustment",
	"point_award_batch", "point_plan", "redeem_item", "redeem_order", "request", "request_department",
	"request_kind", "request_rule", "setting", "staff", "survey", "tier", "tier_change",
}
