// One portable schema for SQLite and PostgreSQL (see migrations/{sqlite,postgresql}).
diesel::table! {
    surveys (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        scale -> Text,
        texts -> Text,
        touchpoints -> Text,
        delay_minutes -> BigInt,
        expiry_days -> BigInt,
        sample_rate -> Double,
        fatigue_survey_days -> BigInt,
        fatigue_global_days -> BigInt,
        created_at -> BigInt,
        followup_at_most -> Nullable<Integer>,
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    customers (id) {
        id -> BigInt,
        external_id -> Text,
        email -> Nullable<Text>,
        locale -> Text,
        attributes -> Text,
        first_seen_at -> BigInt,
        churned_at -> Nullable<BigInt>,
        unsubscribed_at -> Nullable<BigInt>,
        erased_at -> Nullable<BigInt>,
        unsubscribe_reason -> Nullable<Text>,
        committed_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    interactions (id) {
        id -> BigInt,
        external_id -> Text,
        customer_id -> BigInt,
        touchpoint -> Text,
        channel -> Nullable<Text>,
        occurred_at -> BigInt,
        attributes -> Text,
        decision -> Text,
        decision_detail -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        token_hash -> Text,
        survey_id -> BigInt,
        customer_id -> BigInt,
        interaction_id -> Nullable<BigInt>,
        status -> Text,
        send_at -> BigInt,
        expires_at -> BigInt,
        created_at -> BigInt,
        segments -> Text,
    }
}

diesel::table! {
    responses (id) {
        id -> BigInt,
        invitation_id -> Nullable<BigInt>,
        survey_id -> BigInt,
        customer_id -> BigInt,
        score -> Integer,
        comment -> Nullable<Text>,
        provenance -> Text,
        state -> Text,
        state_reason -> Text,
        counts_from -> Nullable<BigInt>,
        answered_at -> BigInt,
        updated_at -> BigInt,
        rolled_score -> Nullable<Integer>,
        touchpoint -> Nullable<Text>,
        channel -> Nullable<Text>,
    }
}

diesel::table! {
    answer_events (id) {
        id -> BigInt,
        invitation_id -> BigInt,
        kind -> Text,
        score -> Nullable<Integer>,
        source -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        fetch_meta -> Nullable<Text>,
        accept_language -> Bool,
        since_sent_ms -> BigInt,
        visible_ms -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    customer_events (id) {
        id -> BigInt,
        customer_id -> BigInt,
        kind -> Text,
        occurred_at -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(interactions -> customers (customer_id));
diesel::joinable!(invitations -> surveys (survey_id));
diesel::joinable!(invitations -> customers (customer_id));
diesel::joinable!(responses -> surveys (survey_id));
diesel::joinable!(responses -> customers (customer_id));
diesel::joinable!(responses -> invitations (invitation_id));
diesel::joinable!(answer_events -> invitations (invitation_id));
diesel::joinable!(customer_events -> customers (customer_id));

diesel::allow_tables_to_appear_in_same_query!(
    surveys,
    rollup_deltas,
    customers,
    interactions,
    invitations,
    responses,
    answer_events,
    customer_events,
    api_keys,
);

diesel::table! {
    instance_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    instance_leases (tag) {
        tag -> Integer,
        holder -> Text,
        acquired_at -> BigInt,
        expires_at -> BigInt,
        last_ms -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        locale -> Text,
        created_at -> BigInt,
        disabled_at -> Nullable<BigInt>,
        time_zone -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    signin_failures (id) {
        id -> BigInt,
        email -> Text,
        source -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    rollup_deltas (id) {
        id -> BigInt,
        survey_id -> BigInt,
        segment -> Text,
        day -> BigInt,
        touchpoint -> Text,
        channel -> Text,
        invited -> BigInt,
        responded -> BigInt,
        score -> Nullable<Integer>,
        n -> BigInt,
    }
}

diesel::table! {
    rollup_answers (survey_id, segment, day, touchpoint, channel) {
        survey_id -> BigInt,
        segment -> Text,
        day -> BigInt,
        touchpoint -> Text,
        channel -> Text,
        s0 -> BigInt,
        s1 -> BigInt,
        s2 -> BigInt,
        s3 -> BigInt,
        s4 -> BigInt,
        s5 -> BigInt,
        s6 -> BigInt,
        s7 -> BigInt,
        s8 -> BigInt,
        s9 -> BigInt,
        s10 -> BigInt,
    }
}

diesel::table! {
    rollup_invitations (survey_id, segment, day, touchpoint, channel) {
        survey_id -> BigInt,
        segment -> Text,
        day -> BigInt,
        touchpoint -> Text,
        channel -> Text,
        invited -> BigInt,
        responded -> BigInt,
    }
}

diesel::table! {
    rollup_keys (survey_id, kind, value) {
        survey_id -> BigInt,
        kind -> Text,
        value -> Text,
    }
}

diesel::table! {
    data_versions (name) {
        name -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    sweeps (name) {
        name -> Text,
        done_until -> BigInt,
    }
}

diesel::table! {
    analysis_results (survey_id) {
        survey_id -> BigInt,
        data_version -> BigInt,
        computed_at -> BigInt,
        took_ms -> BigInt,
        report -> Text,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions);

diesel::table! {
    report_subscriptions (id) {
        id -> BigInt,
        email -> Text,
        frequency -> Text,
        send_minute -> Integer,
        time_zone -> Text,
        survey_id -> Nullable<BigInt>,
        locale -> Text,
        created_at -> BigInt,
        disabled_at -> Nullable<BigInt>,
        paused_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    report_runs (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        run_key -> Text,
        first_day -> BigInt,
        end_day -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        state -> Text,
        due_at -> BigInt,
        attempts -> Integer,
        lease_holder -> Nullable<Text>,
        lease_until -> Nullable<BigInt>,
        detail -> Nullable<Text>,
        sent_at -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    job_attempts (id) {
        id -> BigInt,
        job_id -> BigInt,
        attempt -> Integer,
        holder -> Text,
        started_at -> BigInt,
        finished_at -> BigInt,
        outcome -> Text,
        code -> Nullable<Integer>,
        detail -> Text,
        may_have_reached -> Bool,
    }
}

diesel::joinable!(report_runs -> report_subscriptions (subscription_id));
diesel::joinable!(report_subscriptions -> surveys (survey_id));
diesel::joinable!(job_attempts -> jobs (job_id));
diesel::allow_tables_to_appear_in_same_query!(report_subscriptions, report_runs, jobs, job_attempts);
diesel::allow_tables_to_appear_in_same_query!(jobs, invitations);
diesel::allow_tables_to_appear_in_same_query!(job_attempts, invitations);
diesel::allow_tables_to_appear_in_same_query!(jobs, customers);
diesel::allow_tables_to_appear_in_same_query!(jobs, surveys);
diesel::allow_tables_to_appear_in_same_query!(jobs, interactions);
diesel::allow_tables_to_appear_in_same_query!(report_subscriptions, surveys);

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor -> Text,
        action -> Text,
        customer_id -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(audit_log, customers);

diesel::table! {
    events (id) {
        id -> BigInt,
        kind -> Text,
        customer_id -> BigInt,
        subject_id -> BigInt,
        survey_id -> Nullable<BigInt>,
        score -> Nullable<Integer>,
        previous_score -> Nullable<Integer>,
        created_at -> BigInt,
        dispatched_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    followups (id) {
        id -> BigInt,
        survey_id -> BigInt,
        customer_id -> BigInt,
        response_id -> BigInt,
        reason -> Text,
        score -> Integer,
        previous_score -> Nullable<Integer>,
        state -> Text,
        assignee_id -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        opened_at -> BigInt,
        closed_at -> Nullable<BigInt>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    followup_log (id) {
        id -> BigInt,
        followup_id -> BigInt,
        at -> BigInt,
        actor -> Text,
        action -> Text,
        assignee_id -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> BigInt,
        url -> Text,
        secret -> Text,
        kinds -> Text,
        description -> Text,
        created_at -> BigInt,
        disabled_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        endpoint_id -> BigInt,
        event_id -> BigInt,
        created_at -> BigInt,
    }
}

diesel::joinable!(followups -> surveys (survey_id));
diesel::joinable!(followups -> customers (customer_id));
diesel::joinable!(followup_log -> followups (followup_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> events (event_id));
diesel::allow_tables_to_appear_in_same_query!(users, surveys);
diesel::allow_tables_to_appear_in_same_query!(users, customers);
diesel::allow_tables_to_appear_in_same_query!(users, responses);
diesel::allow_tables_to_appear_in_same_query!(events, followups, followup_log, webhook_endpoints, webhook_deliveries);
diesel::allow_tables_to_appear_in_same_query!(events, surveys);
diesel::allow_tables_to_appear_in_same_query!(events, customers);
diesel::allow_tables_to_appear_in_same_query!(events, responses);
diesel::allow_tables_to_appear_in_same_query!(events, users);
diesel::allow_tables_to_appear_in_same_query!(events, jobs);
diesel::allow_tables_to_appear_in_same_query!(events, invitations);
diesel::allow_tables_to_appear_in_same_query!(events, interactions);
diesel::allow_tables_to_appear_in_same_query!(followups, surveys);
diesel::allow_tables_to_appear_in_same_query!(followups, customers);
diesel::allow_tables_to_appear_in_same_query!(followups, responses);
diesel::allow_tables_to_appear_in_same_query!(followups, users);
diesel::allow_tables_to_appear_in_same_query!(followups, jobs);
diesel::allow_tables_to_appear_in_same_query!(followups, invitations);
diesel::allow_tables_to_appear_in_same_query!(followups, interactions);
diesel::allow_tables_to_appear_in_same_query!(followup_log, surveys);
diesel::allow_tables_to_appear_in_same_query!(followup_log, customers);
diesel::allow_tables_to_appear_in_same_query!(followup_log, responses);
diesel::allow_tables_to_appear_in_same_query!(followup_log, users);
diesel::allow_tables_to_appear_in_same_query!(followup_log, jobs);
diesel::allow_tables_to_appear_in_same_query!(followup_log, invitations);
diesel::allow_tables_to_appear_in_same_query!(followup_log, interactions);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, surveys);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, customers);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, responses);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, users);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, jobs);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, invitations);
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, interactions);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, surveys);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, customers);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, responses);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, users);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, jobs);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, invitations);
diesel::allow_tables_to_appear_in_same_query!(webhook_deliveries, interactions);

diesel::table! {
    digest_runs (id) {
        id -> BigInt,
        user_id -> BigInt,
        day -> BigInt,
        created_at -> BigInt,
    }
}

diesel::joinable!(digest_runs -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(digest_runs, users);
diesel::allow_tables_to_appear_in_same_query!(digest_runs, followups);

diesel::table! {
    branding (id) {
        id -> Integer,
        company -> Text,
        colour -> Text,
        logo -> Nullable<Binary>,
        logo_type -> Nullable<Text>,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}
