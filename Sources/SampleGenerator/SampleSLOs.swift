extension SampleGenerator {
  /// OpenSLO v1 documents for the sample services, as one multi-document YAML text.
  ///
  /// Per org: an incident-time availability SLO (Timeslices, rolling 28 days, 99%;
  /// 99.5% for `api-gateway`) for each service with a planted weekly pattern and for `api-gateway`; a
  /// request-ratio SLO (Occurrences, rolling 30 days) on METRIC counts for the
  /// first of them; a calendar-month SLO for `payments` and an ISO-week one for
  /// `search`. The org is named in the `runbook-revenant.io/org` annotation and
  /// the indicator in a `RunbookRevenant` metric source (README: "SLO definitions").
  public func sloDocuments() -> String {
    let (_, patterns) = planIncidents()
    var documents: [String] = []
    for org in 0..<max(1, configuration.orgs) {
      let orgId = Self.orgName(org)
      var services = patterns.filter { $0.orgId == orgId }.map(\.serviceName)
      if !services.contains("api-gateway") { services.append("api-gateway") }
      for service in services {
        // Gateways carry a tighter objective than the services behind them.
        documents.append(
          incidentTimeSLO(
            orgId: orgId, service: service, target: service == "api-gateway" ? "0.995" : "0.99", window: "28d", rolling: true,
            sliceWindow: nil))
      }
      if let first = services.first { documents.append(requestRatioSLO(orgId: orgId, service: first)) }
      documents.append(
        incidentTimeSLO(orgId: orgId, service: "payments", target: "0.995", window: "1M", rolling: false, sliceWindow: "5m"))
      documents.append(
        incidentTimeSLO(orgId: orgId, service: "search", target: "0.99", window: "1w", rolling: false, sliceWindow: nil))
    }
    // A declared service: its SLOs are scored even in a stream where it has no incident yet.
    for org in 0..<max(1, configuration.orgs) { documents.append(declaredService(orgId: Self.orgName(org), service: "payments")) }
    documents.append(maintenanceWindow(slo: "\(Self.orgName(0).dropFirst(4))-payments-availability-monthly"))
    return documents.joined(separator: "---\n")
  }

  /// A recurring budget adjustment: planned work whose bad time must not burn the budget.
  private func maintenanceWindow(slo: String) -> String {
    """
    apiVersion: openslo/v2alpha
    kind: BudgetAdjustment
    metadata:
      name: payments-failover-drill
      displayName: Payments failover drill
    spec:
      description: Weekly failover drill of the payments ledger, Sundays at 22:00 UTC, announced in the change calendar.
      firstEventStart: 2026-11-08T22:00:00Z
      duration: 1h
      rrule: FREQ=WEEKLY;INTERVAL=1;COUNT=8
      filters:
        slos:
          - name: \(slo)

    """
  }

  private func declaredService(orgId: String, service: String) -> String {
    """
    apiVersion: openslo/v1
    kind: Service
    metadata:
      name: \(service)
      displayName: \(service)
      annotations:
        runbook-revenant.io/org: \(orgId)
    spec:
      description: Declared so that its SLOs are scored, not refused, before its first incident.

    """
  }

  private func incidentTimeSLO(
    orgId: String, service: String, target: String, window: String, rolling: Bool, sliceWindow: String?
  ) -> String {
    let org = orgId.dropFirst(4)
    let suffix = rolling ? "availability" : (window == "1M" ? "availability-monthly" : "availability-weekly")
    var text = """
      apiVersion: openslo/v1
      kind: SLO
      metadata:
        name: \(org)-\(service)-\(suffix)
        displayName: \(service) availability (incident time, \(rolling ? "rolling \(window)" : "calendar \(window)"))
        annotations:
          runbook-revenant.io/org: \(orgId)
          runbook-revenant.io/slo-id: \(service)-\(suffix)
      spec:
        description: Time \(service) spends in a counted incident (OPEN or INVESTIGATING at SEV1 or SEV2).
        service: \(service)
        indicator:
          metadata:
            name: \(service)-incident-time
          spec:
            thresholdMetric:
              metricSource:
                type: RunbookRevenant
                spec:
                  indicator: incident-time
                  countedSeverities: [SEV1, SEV2]
        timeWindow:

      """
    if rolling {
      text += """
            - duration: \(window)
              isRolling: true

        """
    } else {
      // Units count from startTime: a Monday for ISO weeks, the first of a month for months.
      let start = window == "1w" ? "2025-12-29 00:00:00" : "2026-01-01 00:00:00"
      text += """
            - duration: \(window)
              isRolling: false
              calendar:
                startTime: "\(start)"
                timeZone: UTC

        """
    }
    text += """
        budgetingMethod: Timeslices
        objectives:
          - displayName: available
            target: \(target)

      """
    if let sliceWindow {
      text += """
              timeSliceTarget: \(target)
              timeSliceWindow: \(sliceWindow)

        """
    }
    return text
  }

  private func requestRatioSLO(orgId: String, service: String) -> String {
    let org = orgId.dropFirst(4)
    return """
      apiVersion: openslo/v1
      kind: SLO
      metadata:
        name: \(org)-\(service)-request-success
        displayName: \(service) successful requests (rolling 30d)
        annotations:
          runbook-revenant.io/org: \(orgId)
      spec:
        description: Share of good requests in the METRIC signals' request counts.
        service: \(service)
        indicator:
          metadata:
            name: \(service)-request-ratio
          spec:
            ratioMetric:
              counter: true
              good:
                metricSource:
                  type: RunbookRevenant
                  spec:
                    indicator: request-ratio
                    count: good
              total:
                metricSource:
                  type: RunbookRevenant
                  spec:
                    indicator: request-ratio
                    count: total
        timeWindow:
          - duration: 30d
            isRolling: true
        budgetingMethod: Occurrences
        objectives:
          - displayName: requests succeed
            target: 0.95

      """
  }
}
