//! The graph store contract: one set of behaviours, observed through the service's gRPC API,
//! that every graph store adapter must show. Each runs against PostgreSQL (always, each test
//! on its own database) and against Memgraph when `MEMGRAPH_BOLT_ADDR` names a reachable
//! server (each test under users of its own; otherwise the Memgraph variants print a
//! `SKIPPED:` note and pass, or fail under `EXOBRAIN_CONTRACT_SERVERS_REQUIRED=1`, as
//! `scripts/local/contract-tests.sh` runs them).

mod provenance;
mod reads;
mod writes;

use crate::support::knowledge::Backend;
use provenance::*;
use reads::*;
use writes::*;

/// Declares every behaviour once per adapter: `postgres::<name>` and `memgraph::<name>`.
macro_rules! contract {
    ($($behaviour:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    super::$behaviour(super::Backend::Postgres).await;
                }
            )*
        }
        mod memgraph {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    if let Some(backend) = super::Backend::memgraph().await {
                        super::$behaviour(backend).await;
                    }
                }
            )*
        }
    };
}

contract!(
    a_delta_applied_twice_changes_nothing_the_second_time,
    every_violation_is_reported_together_and_nothing_is_written,
    edge_rules_hold_for_nodes_that_already_exist,
    a_type_changes_only_along_the_hierarchy_and_never_duplicates_the_node,
    the_block_tree_keeps_one_parent_one_root_and_no_cycles,
    a_changed_claim_supersedes_the_old_one_which_stays_as_history,
    user_init_is_idempotent_retry_safe_and_keeps_the_name_current,
    an_entity_belongs_to_exactly_one_visible_universe,
    concurrent_writers_on_one_entity_all_land,
    listing_scores_count_current_blocks_and_relations,
    another_users_records_are_never_changed_and_private_ones_never_seen,
    names_match_exactly_by_alias_without_accents_by_whole_words_and_with_typos,
    a_paraphrased_description_finds_the_right_entity_and_block_by_meaning,
    listings_page_with_keyset_cursors_and_report_real_totals,
    the_context_shows_what_blocks_mention_with_the_other_entitys_description,
    search_hits_and_context_blocks_say_which_journal_job_and_messages_they_came_from,
    a_records_own_source_overrides_the_deltas_part_by_part,
    a_message_sequence_below_one_is_refused_naming_its_field,
    a_redelivered_delta_with_provenance_reports_zeros,
    the_same_facts_from_a_later_job_replace_the_provenance_without_counting_a_change,
);
