// The default postmortem template, embedded so an installed `postmortem` needs no files.
// Generated from templates/postmortem.md.mustache by scripts/embed-template; a test keeps the two identical.
// swift-format-ignore-file

extension DraftRenderer {
  /// The default template (`templates/postmortem.md.mustache`).
  public static let defaultTemplate = #"""
{{% CONTENT_TYPE: MARKDOWN}}
# Postmortem: {{title}}

> Draft generated from the incident's events. The figures cite the events they come from;
> the questions and prompts are for the team to answer. Review every section before sharing.
{{#forcedBeforeMitigation}}
>
> **Drafted before mitigation (`--force`): the incident is still {{status}}.**
{{/forcedBeforeMitigation}}

| | |
|---|---|
| Incident | `{{incidentId}}` |
| Organisation | {{orgId}} |
| Project | {{projectId}} |
| Service | {{serviceName}} ({{environment}}) |
| Final status | {{status}} |
| Severity | {{severity}} (peak {{peakSeverity}}) |
| Correlation keys | {{#correlationKeys}}`{{.}}` {{/correlationKeys}}{{^correlationKeys}}none{{/correlationKeys}} |
| Tickets | {{#ticketLinks}}{{system}} {{ref}}{{#url}} ({{.}}){{/url}} {{/ticketLinks}}{{^ticketLinks}}none linked{{/ticketLinks}} |

Severity history:
{{#severityHistory}}
- {{severity}} from {{start}} for {{duration}}{{#eventId}} (event `{{.}}`){{/eventId}}
{{/severityHistory}}

## Summary

{{summary}}
{{#resolutionSummary}}

Resolution note, copied from event `{{eventId}}`:

> {{text}}
{{#flags}}

> ⚠ reword (`{{rule}}`): {{suggestion}}
{{/flags}}
{{/resolutionSummary}}

## Impact

{{#impact}}
- Impact window: {{start}} → {{end}} ({{duration}}, ended: {{endReason}})
- Bad time: {{badTime}}
- Definition: {{definition}}
- Events: {{#eventIds}}`{{.}}` {{/eventIds}}
{{/impact}}
{{#hasSloImpact}}

Error budget consumed by this incident:

| SLO | window | consumed | bad | budget | events |
|---|---|---:|---:|---:|---|
{{#sloImpact}}
| `{{slo}}` | {{window}}, {{windowStart}} → {{windowEnd}} | {{consumed}} | {{bad}} | {{budget}} | {{#eventIds}}`{{.}}` {{/eventIds}} |
{{/sloImpact}}
{{#sloImpact}}
{{#adjustment}}

Note on `{{slo}}`: {{adjustment}}.
{{/adjustment}}
{{/sloImpact}}

Definition: {{sloImpactDefinition}}.
{{/hasSloImpact}}
{{^hasSloImpact}}

No SLO budget was consumed by this incident ({{slosConsidered}} SLO definition(s) given).
{{/hasSloImpact}}

## Detection

{{#detection}}
- Detected by: {{detectedBy}}
{{#firstSignal}}
- First signal: {{type}} from {{source}} at {{at}}, “{{summary}}” (event `{{eventId}}`)
{{/firstSignal}}

| milestone | at | duration | definition | events |
|---|---|---:|---|---|
{{#milestones}}
| {{name}} | {{#missing}}**missing**: {{reason}}{{/missing}}{{^missing}}{{at}}{{/missing}} | {{duration}} | {{definition}} | {{#eventIds}}`{{.}}` {{/eventIds}} |
{{/milestones}}
{{/detection}}

## Timeline

Times in UTC{{#timeZone}}, with local time in {{.}}{{/timeZone}}.

{{#timeline}}
- {{utc}}{{#local}} ({{.}}){{/local}} **{{type}}** {{text}} — {{#eventIds}}`{{.}}` {{/eventIds}}
{{#flags}}
  - ⚠ reword (`{{rule}}`): {{suggestion}}
{{/flags}}
{{/timeline}}

## Response

{{#hasActions}}
| at | action | label | risk | actor | event |
|---|---|---|---|---|---|
{{#actions}}
| {{at}} | {{kind}} | {{label}} | {{risk}} | {{actor}} | `{{eventId}}` |
{{/actions}}
{{/hasActions}}
{{^hasActions}}
No playbook action was recorded.
{{/hasActions}}

## Contributing factors

{{#contributingFactorQuestions}}
- {{.}}
{{/contributingFactorQuestions}}

## Root cause

{{#rootCauseQuestions}}
- {{.}}
{{/rootCauseQuestions}}

## What went well

{{#wentWellPrompts}}
- {{.}}
{{/wentWellPrompts}}

## What went poorly

{{#wentPoorlyPrompts}}
- {{.}}
{{/wentPoorlyPrompts}}

## Where we got lucky

{{#luckyPrompts}}
- {{.}}
{{/luckyPrompts}}

## Action items

| action | owner | due | from |
|---|---|---|---|
{{#actionItems}}
| {{text}} | {{owner}} | {{due}} | `{{eventId}}` |
{{/actionItems}}
| _add the team's actions here_ | _owner_ | _YYYY-MM-DD_ | |
{{#hasFlags}}

Copied text to reword before sharing:

{{#flags}}
- {{where}} (`{{rule}}`): {{suggestion}}
{{/flags}}
{{/hasFlags}}

## Related incidents

{{#related}}
{{#isRecurrence}}
This is a recurrence: occurrence {{occurrence}} of {{occurrences}} for `{{key}}` in the input.
{{/isRecurrence}}
{{^isRecurrence}}
This is the first occurrence of `{{key}}` in the input ({{occurrences}} in all).
{{/isRecurrence}}
Gaps between occurrences: {{gapsText}}. Follow-ups: {{earlierFollowUps}}.
{{#hasRelated}}

| incident | created | duration | outcome | follow-ups |
|---|---|---|---|---:|
{{#incidents}}
| `{{incidentId}}` {{title}} | {{created}} | {{duration}} | {{outcome}} | {{followUps}} |
{{/incidents}}
{{/hasRelated}}
{{/related}}

---

{{#provenance}}
<sub>Drafted by runbook-revenant {{toolVersion}} at {{at}} from {{source}}: {{eventCount}} events, SHA-256 {{eventsDigest}}; template {{template}}, SHA-256 {{templateDigest}}.</sub>
{{/provenance}}

"""#
}
