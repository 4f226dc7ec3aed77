// The one description of every record's fields, in canonical order, shared
// by the XML and JSON readers and writers so that the four never disagree.
//
// Fields(v, record) calls one method of the visitor `v` per field:
//   v.Text(name, std::string&, Opt)       text or code, verbatim
//   v.Day(name, Date&)                     a required date
//   v.OptDay(name, std::optional<Date>&)
//   v.Time(name, Instant&, Opt)            kOptional: seconds == 0 means absent
//   v.Flag(name, bool&)
//   v.OptFlag(name, std::optional<bool>&)  absent (unknown) unless given
//   v.Count(name, int&)
//   v.Size(name, std::uint64_t&)
//   v.Choice(name, E&, names)              an enum; names[i] is the value i
//   v.Texts(name, item, std::vector<std::string>&)
//   v.Records(name, item, std::vector<T>&) nested records (v recurses with Fields)
// `record` may be const (writers) or not (readers).
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

#include "schema/records.h"

namespace xf::schema::detail {

template <class S, class T>
concept Is = std::same_as<std::remove_const_t<S>, T>;

// Whether a text, date or instant field is written when it is empty.
// Required fields are always written (empty if so: validation reports it).
enum class Opt { kRequired, kOptional };

using EnumNames = std::array<std::string_view, 2>;
inline constexpr EnumNames kModeNames = {"forward", "assign"};
inline constexpr EnumNames kTargetNames = {"bureau", "handler"};
inline constexpr EnumNames kStepNames = {"request", "decision"};
inline constexpr EnumNames kDecisionNames = {"possible", "duplicate"};

template <class V, class S>
requires Is<S, Petitioner>
void Fields(V& v, S& p) {
  v.Text("name", p.name, Opt::kRequired);
  v.Text("gender", p.gender, Opt::kRequired);
  v.Text("ethnicity", p.ethnicity, Opt::kOptional);
  v.Text("id_number", p.id_number, Opt::kOptional);
  v.Text("id_number_18", p.id_number_18, Opt::kOptional);
  v.Text("phone", p.phone, Opt::kOptional);
  v.Text("address", p.address, Opt::kOptional);
  v.Text("address_division", p.address_division, Opt::kOptional);
  v.Text("education", p.education, Opt::kOptional);
  v.Text("political_status", p.political_status, Opt::kOptional);
  v.Text("employer", p.employer, Opt::kOptional);
  v.Flag("first", p.first);
}

template <class V, class S>
requires Is<S, Attachment>
void Fields(V& v, S& a) {
  v.Text("sha256", a.sha256, Opt::kRequired);
  v.Size("size", a.size);
  v.Text("media_type", a.media_type, Opt::kRequired);
  v.Text("name", a.name, Opt::kOptional);
}

template <class V, class S>
requires Is<S, CaseRegistration>
void Fields(V& v, S& c) {
  v.Text("case_id", c.case_id, Opt::kOptional);
  v.Day("received_date", c.received_date);
  v.Text("channel", c.channel, Opt::kRequired);
  v.Text("visit_type", c.visit_type, Opt::kOptional);
  v.Text("registering_body", c.registering_body, Opt::kOptional);
  v.Text("registrar", c.registrar, Opt::kRequired);
  v.Time("registered_at", c.registered_at, Opt::kOptional);
  v.Records("petitioners", "petitioner", c.petitioners);
  v.Count("petitioner_count", c.petitioner_count);
  v.Count("involved_count", c.involved_count);
  v.Texts("representatives", "representative", c.representatives);
  v.Text("summary", c.summary, Opt::kRequired);
  v.Text("requests", c.requests, Opt::kRequired);
  v.Text("problem_place", c.problem_place, Opt::kRequired);
  v.Text("content_category", c.content_category, Opt::kRequired);
  v.Text("purpose", c.purpose, Opt::kRequired);
  v.Text("responsible_unit", c.responsible_unit, Opt::kOptional);
  v.Flag("repeat", c.repeat);
  v.Text("initial_case_id", c.initial_case_id, Opt::kOptional);
  v.Flag("first_at_this_body", c.first_at_this_body);
  v.OptFlag("first_nationally", c.first_nationally);
  v.Flag("skipped_level", c.skipped_level);
  v.Flag("is_public", c.is_public);
  v.Flag("anonymous", c.anonymous);
  v.Flag("joint", c.joint);
  v.OptDay("due_date", c.due_date);
  v.Records("attachments", "attachment", c.attachments);
}

template <class V, class S>
requires Is<S, Acceptance>
void Fields(V& v, S& a) {
  v.Text("decision", a.decision, Opt::kRequired);
  v.Text("body", a.body, Opt::kOptional);
  v.Text("reason", a.reason, Opt::kOptional);
}

template <class V, class S>
requires Is<S, Transfer>
void Fields(V& v, S& t) {
  v.Choice("mode", t.mode, kModeNames);
  v.Text("target", t.target, Opt::kRequired);
  v.OptDay("due_date", t.due_date);
  v.Text("instructions", t.instructions, Opt::kOptional);
}

template <class V, class S>
requires Is<S, Handling>
void Fields(V& v, S& h) {
  v.Text("method", h.method, Opt::kRequired);
  v.Text("body", h.body, Opt::kOptional);
  v.Text("sent_to", h.sent_to, Opt::kOptional);
  v.Text("reply", h.reply, Opt::kOptional);
  v.OptDay("report_back", h.report_back);
  v.OptDay("delivered_on", h.delivered_on);
  v.Records("attachments", "attachment", h.attachments);
}

template <class V, class S>
requires Is<S, Supervision>
void Fields(V& v, S& s) {
  v.Text("body", s.body, Opt::kOptional);
  v.Text("instructions", s.instructions, Opt::kRequired);
  v.OptDay("feedback_due", s.feedback_due);
}

template <class V, class S>
requires Is<S, Evaluation>
void Fields(V& v, S& e) {
  v.Choice("target", e.target, kTargetNames);
  v.Text("value", e.value, Opt::kRequired);
  v.Text("text", e.text, Opt::kOptional);
  v.Text("method", e.method, Opt::kOptional);
}

template <class V, class S>
requires Is<S, Review>
void Fields(V& v, S& r) {
  v.Choice("step", r.step, kStepNames);
  v.Text("body", r.body, Opt::kOptional);
  v.Text("text", r.text, Opt::kOptional);
  v.Text("outcome", r.outcome, Opt::kOptional);
  v.OptDay("delivered_on", r.delivered_on);
}

template <class V, class S>
requires Is<S, Closure>
void Fields(V& v, S& c) {
  v.Text("body", c.body, Opt::kOptional);
  v.Text("summary", c.summary, Opt::kOptional);
}

template <class V, class S>
requires Is<S, Correction::Field>
void Fields(V& v, S& f) {
  v.Text("path", f.path, Opt::kRequired);
  v.Text("value", f.value, Opt::kRequired);
}

template <class V, class S>
requires Is<S, Correction>
void Fields(V& v, S& c) {
  v.Text("supersedes", c.supersedes, Opt::kRequired);
  v.Records("fields", "field", c.fields);
  v.Text("reason", c.reason, Opt::kRequired);
}

template <class V, class S>
requires Is<S, Extension>
void Fields(V& v, S& x) {
  v.Count("days", x.days);
  v.Text("reason", x.reason, Opt::kRequired);
  v.Text("approver", x.approver, Opt::kRequired);
  v.OptDay("notified_on", x.notified_on);
}

template <class V, class S>
requires Is<S, DuplicateFinding>
void Fields(V& v, S& f) {
  v.Text("case_id", f.case_id, Opt::kRequired);
  v.Text("node", f.node, Opt::kRequired);
  v.Day("received_date", f.received_date);
  v.Text("status", f.status, Opt::kOptional);
  v.Text("score", f.score, Opt::kRequired);
  v.Choice("decision", f.decision, kDecisionNames);
  v.Texts("reasons", "reason", f.reasons);
}

template <class V, class S>
requires Is<S, DuplicateNotice>
void Fields(V& v, S& n) {
  v.Text("found_by", n.found_by, Opt::kRequired);
  v.Records("candidates", "candidate", n.candidates);
}

// The body element / JSON name of each EventBody alternative, by index.
inline constexpr std::array<std::string_view, std::variant_size_v<EventBody>> kBodyNames = {
    "registration", "acceptance", "transfer", "handling",  "supervision",
    "evaluation",   "review",     "closure",  "correction", "extension", "duplicate_notice"};

// The EventBody alternative index that a kind carries.
std::size_t BodyIndexOf(EventKind kind);
// The kind a body alternative implies (a Review implies kReview).
EventKind KindOfBodyIndex(std::size_t index);
// A default-constructed body of alternative `index`.
EventBody MakeBody(std::size_t index);
// Index of a body name in kBodyNames, or nullopt.
std::optional<std::size_t> BodyIndexFromName(std::string_view name);

}  // namespace xf::schema::detail
