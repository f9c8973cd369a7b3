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
{{#draft}}
| Status | {{status}} |
| Date | {{date}} |
| Authors | {{authors}} |
{{/draft}}
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

## Impact

{{#impact}}
{{customerImpact}}

- Impact window: {{start}} → {{end}} ({{duration}}, ended: {{endReason}})
- Time at each severity: {{severityTimeText}}; from {{#severityEventIds}}`{{.}}` {{/severityEventIds}}
{{#requests}}
- Requests: {{bad}} failed of {{total}} served ({{share}}), in {{signals}} signal(s) from {{#eventIds}}`{{.}}` {{/eventIds}}
{{/requests}}
{{^requests}}
- Requests: no request counts were recorded during the impact
{{/requests}}
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

## Trigger and detection

{{#trigger}}
{{text}}{{#eventIds}} (event `{{.}}`){{/eventIds}}
{{/trigger}}

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

## Response and resolution

{{#hasActions}}
Playbook actions:

| at | action | label | risk | actor | event |
|---|---|---|---|---|---|
{{#actions}}
| {{at}} | {{kind}} | {{label}} | {{risk}} | {{actor}} | `{{eventId}}` |
{{/actions}}
{{/hasActions}}
{{^hasActions}}
No playbook action was recorded.
{{/hasActions}}
{{#resolution}}
{{#hasStatusChanges}}

Status changes (T: hours:minutes from the impact start):

| T | from | to | reason | by | event |
|---:|---|---|---|---|---|
{{#statusChanges}}
| {{offset}} | {{from}} | {{to}} | {{reason}} | {{actor}} | `{{eventId}}` |
{{/statusChanges}}
{{/hasStatusChanges}}

{{endedBy}}
{{/resolution}}
{{#resolutionSummary}}

Resolution note, copied from event `{{eventId}}`:

> {{text}}
{{#flags}}

> ⚠ reword (`{{rule}}`): {{suggestion}}
{{/flags}}
{{/resolutionSummary}}

## Contributing factors

{{#contributingFactorQuestions}}
- {{.}}
{{/contributingFactorQuestions}}

## Root cause

{{#rootCauseQuestions}}
- {{.}}
{{/rootCauseQuestions}}

## Action items

| type | action | owner | due | ticket | from |
|---|---|---|---|---|---|
{{#actionItems}}
| {{type}} | {{text}} | {{owner}} | {{due}} | {{ticket}} | `{{eventId}}` |
{{/actionItems}}
{{#actionItemPrompts}}
| {{type}} | _{{prompt}}_ | _owner_ | _YYYY-MM-DD_ | | |
{{/actionItemPrompts}}
{{#hasFlags}}

Copied text to reword before sharing:

{{#flags}}
- {{where}} (`{{rule}}`): {{suggestion}}
{{/flags}}
{{/hasFlags}}

## Lessons learned

### What went well

{{#wentWellPrompts}}
- {{.}}
{{/wentWellPrompts}}

### What went wrong

{{#wentPoorlyPrompts}}
- {{.}}
{{/wentPoorlyPrompts}}

### Where we got lucky

{{#luckyPrompts}}
- {{.}}
{{/luckyPrompts}}

## Timeline

T is hours:minutes from the impact start ({{#impact}}{{start}}{{/impact}}); ◆ marks a milestone. The full times and the events are in the references below.

| T | milestone | what happened | ref |
|---:|---|---|---:|
{{#timeline}}
| {{offset}} | {{#milestone}}◆ {{.}}{{/milestone}} | {{kind}}: {{text}}{{#flags}} ⚠ reword (`{{rule}}`): {{suggestion}}{{/flags}} | {{ref}} |
{{/timeline}}

References (UTC{{#timeZone}}, with local time in {{.}}{{/timeZone}}):

| ref | time (UTC) |{{#timeZone}} local time |{{/timeZone}} events |
|---:|---|{{#timeZone}}---|{{/timeZone}}---|
{{#timeline}}
| {{ref}} | {{utc}} |{{#timeZone}} {{local}} |{{/timeZone}} {{#eventIds}}`{{.}}` {{/eventIds}}|
{{/timeline}}

## Supporting information

{{#related}}
{{#isRecurrence}}
This is a recurrence: occurrence {{occurrence}} of {{occurrences}} for `{{key}}` in the input.
{{/isRecurrence}}
{{^isRecurrence}}
This is the first occurrence of `{{key}}` in the input ({{occurrences}} in all).
{{/isRecurrence}}
Gaps between occurrences: {{gapsText}}. Follow-ups: {{earlierFollowUps}}.
{{#hasRelated}}

Related incidents:

| incident | created | duration | outcome | follow-ups |
|---|---|---|---|---:|
{{#incidents}}
| `{{incidentId}}` {{title}} | {{created}} | {{duration}} | {{outcome}} | {{followUps}} |
{{/incidents}}
{{/hasRelated}}
{{/related}}

Links: {{#ticketLinks}}{{system}} {{ref}}{{#url}} ({{.}}){{/url}}; {{/ticketLinks}}{{^ticketLinks}}no ticket linked; {{/ticketLinks}}tags {{#tags}}`{{.}}` {{/tags}}{{^tags}}none{{/tags}}.

---

{{#provenance}}
<sub>Drafted by runbook-revenant {{toolVersion}} at {{at}} from {{source}}: {{eventCount}} events, SHA-256 {{eventsDigest}}; template {{template}}, SHA-256 {{templateDigest}}.</sub>
{{/provenance}}

"""#
}
