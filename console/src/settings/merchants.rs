//! `/console/settings/merchants`: the platform's merchants; platform admins create them (each gets
//! a default team).

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::{LazyRoute, lazy_route};

use super::api::{self, Merchant};
use super::{Outcome, outcome_view, powers, section_title, submit_button};
use crate::api::Failure;
use crate::inbox::local_time;
use crate::state::{failure_alert, loading_view, sw};

/// The route (its data are loaded in `view`, inside the lazy chunk: see `people`).
pub struct MerchantsRoute;

#[lazy_route]
impl LazyRoute for MerchantsRoute {
    fn data() -> Self {
        MerchantsRoute
    }

    fn view(_this: Self) -> AnyView {
        let merchants: LocalResource<Result<Vec<Merchant>, Failure>> = LocalResource::new(api::merchants);
        let name = RwSignal::new(String::new());
        let outcome = RwSignal::new(Outcome::Idle);
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if outcome.with_untracked(Outcome::is_busy) {
                return;
            }
            let n = name.get_untracked().trim().to_string();
            if n.is_empty() {
                return outcome.set(Outcome::Invalid(|s| s.err_name_missing));
            }
            outcome.set(Outcome::Busy);
            spawn_local(async move {
                match api::create_merchant(&n).await {
                    Ok(_) => {
                        name.set(String::new());
                        outcome.set(Outcome::Done(|s| s.saved));
                        merchants.refetch();
                    }
                    Err(f) => outcome.set(Outcome::Failed(f)),
                }
            });
        };
        let create = powers().platform_admin().then(|| {
            view! {
                <section class="card" aria-labelledby="new-merchant">
                    <h2 id="new-merchant">{sw(|s| s.new_merchant)}</h2>
                    <form novalidate on:submit=submit class="grid-form">
                        {outcome_view(outcome)}
                        <div class="field">
                            <label for="merchant-name">{sw(|s| s.merchant_name)}</label>
                            <input id="merchant-name" type="text" maxlength="100" bind:value=name/>
                        </div>
                        <div class="form-end">{submit_button(|s| s.create, outcome)}</div>
                    </form>
                </section>
            }
        });
        view! {
            {section_title(|s| s.merchants)}
            {create}
            <Suspense fallback=loading_view>
                <ErrorBoundary fallback=failure_alert>
                    {move || Suspend::new(async move {
                        let list = merchants.await?;
                        Ok::<_, Failure>(if list.is_empty() {
                            view! { <p class="none">{sw(|s| s.none_yet)}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="rows" aria-label=sw(|s| s.merchants)>
                                    {list
                                        .into_iter()
                                        .map(|m| view! {
                                            <li class="row-card">
                                                <span class="name">{m.name}</span>
                                                <span class="label">{sw(|s| s.created)}" "{local_time(&m.created_at)}</span>
                                            </li>
                                        })
                                        .collect_view()}
                                </ul>
                            }
                            .into_any()
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        }
        .into_any()
    }
}
