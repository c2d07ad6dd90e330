//! The sign-in page: e-mail and password, checked here first (focus goes to the first field that
//! needs fixing), then `POST /v1/auth/login`; refusals in words in a `role="alert"` box.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};
use qingting_shared::ErrorCode;

use crate::api::{self, Failure};
use crate::i18n::Ui;
use crate::shell::SignedOutFrame;
use crate::state::{Console, page_title, uw};

/// A field's problem, as the function that picks its words (so a language switch re-words it).
type FieldError = Option<fn(&Ui) -> &'static str>;

/// Where to go after signing in: the `next` page the shell sent us from, if it is a console page.
fn next_page(next: Option<String>) -> String {
    next.filter(|n| n.starts_with("/console/") && !n.starts_with("/console/sign-in") && !n.contains("//")).unwrap_or_else(|| "/console/".into())
}

/// The shape check done before asking the server: something before and after one `@`.
fn looks_like_email(s: &str) -> bool {
    s.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty() && !domain.contains('@'))
}

fn focus(input: NodeRef<html::Input>) {
    if let Some(el) = input.get_untracked() {
        let _ = el.focus();
    }
}

/// The sign-in page (`/console/sign-in`, optionally `?next=/console/…`).
#[component]
pub fn SignIn() -> impl IntoView {
    let console = Console::get();
    page_title(|ui| ui.sign_in_title);
    let query = use_query_map();
    let navigate = use_navigate();
    let (email, password) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (email_error, password_error) = (RwSignal::new(None as FieldError), RwSignal::new(None as FieldError));
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let (email_ref, password_ref) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let address = email.get_untracked().trim().to_string();
        let secret = password.get_untracked();
        let e_err: FieldError = if address.is_empty() {
            Some(|ui| ui.err_email_missing)
        } else if !looks_like_email(&address) {
            Some(|ui| ui.err_email_invalid)
        } else {
            None
        };
        let p_err: FieldError = if secret.is_empty() { Some(|ui| ui.err_password_missing) } else { None };
        email_error.set(e_err);
        password_error.set(p_err);
        failure.set(None);
        if e_err.is_some() {
            return focus(email_ref);
        }
        if p_err.is_some() {
            return focus(password_ref);
        }
        busy.set(true);
        let navigate = navigate.clone();
        let next = next_page(query.get_untracked().get("next"));
        spawn_local(async move {
            match api::login(&address, &secret).await {
                Ok(_) => {
                    console.me.refetch();
                    navigate(&next, NavigateOptions { resolve: false, replace: true, ..Default::default() });
                }
                Err(f) => {
                    busy.set(false);
                    let wrong = matches!(f, Failure::Refused { code: Some(ErrorCode::InvalidCredentials), .. });
                    failure.set(Some(f));
                    if wrong {
                        password.set(String::new());
                        focus(password_ref);
                    }
                }
            }
        });
    };

    let ui = move || console.ui();
    let field_error =
        move |id: &'static str, err: RwSignal<FieldError>| move || err.get().map(|words| view! { <p class="field-error" id=id>{words(ui())}</p> });
    view! {
        <SignedOutFrame>
                <h1>{uw(|u| u.sign_in_title)}</h1>
                <p class="intro">{uw(|u| u.sign_in_intro)}</p>
                <form novalidate on:submit=submit aria-busy=move || busy.get().to_string()>
                    {move || failure.get().map(|f| view! { <div class="alert" role="alert">{ui().failure(&f)}</div> })}
                    <div class="field">
                        <label for="email">{uw(|u| u.email)}</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            inputmode="email"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            aria-invalid=move || email_error.get().is_some().to_string()
                            aria-describedby=move || email_error.get().map(|_| "email-error")
                            bind:value=email
                            node_ref=email_ref
                        />
                        {field_error("email-error", email_error)}
                    </div>
                    <div class="field">
                        <label for="password">{uw(|u| u.password)}</label>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            aria-invalid=move || password_error.get().is_some().to_string()
                            aria-describedby=move || password_error.get().map(|_| "password-error")
                            bind:value=password
                            node_ref=password_ref
                        />
                        {field_error("password-error", password_error)}
                    </div>
                    <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                        {move || if busy.get() { ui().signing_in } else { ui().sign_in }}
                    </button>
                </form>
        </SignedOutFrame>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_stays_inside_the_console() {
        assert_eq!(next_page(Some("/console/tickets/12".into())), "/console/tickets/12");
        assert_eq!(next_page(None), "/console/");
        assert_eq!(next_page(Some("https://evil.example/".into())), "/console/");
        assert_eq!(next_page(Some("/console//evil.example".into())), "/console/");
        assert_eq!(next_page(Some("/console/sign-in".into())), "/console/");
        assert_eq!(next_page(Some("/v1/auth/me".into())), "/console/");
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("a@b"));
        assert!(!looks_like_email("ab"));
        assert!(!looks_like_email("@b"));
        assert!(!looks_like_email("a@"));
        assert!(!looks_like_email("a@b@c"));
    }
}
