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
