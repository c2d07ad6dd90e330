//! Intake: what a customer submits, its validation ([`submission`]), masking of personal data
//! ([`mask`]), and the one intake decision ([`decide`]): classify → mask → route → the ticket's
//! first status, first reply and delivery state.
//!
//! Architecture invariant: the worker's `POST /v1/complaints` and `qingting faq` both call
//! [`decide`], so the CLI answers exactly what the worker would do with a text.
//!
//! ```
//! use qingting_shared::faq::{DEFAULT_PACK, FaqIndex, Thresholds, compiled};
//! use qingting_shared::intake::decide;
//! use qingting_shared::{Classifier, Lang, TicketStatus};
//!
//! let classifier = Classifier::builtin();
//! let index = FaqIndex::build(compiled::read(DEFAULT_PACK).unwrap(), classifier.segmenter());
//! let d = decide(classifier, &index, "退款多久能到账？电话 13812345678", Lang::ZhCn, Thresholds::default());
//! assert!(!d.masked.text.contains("13812345678"));
//! assert!(matches!(d.status, TicketStatus::AutoReplied | TicketStatus::New));
//! ```

pub mod mask;
pub mod submission;

use crate::faq::{Decision, FaqIndex, Routing, Thresholds, route};
use crate::forward::DeliveryState;
use crate::intake::mask::{Masked, mask_pii};
use crate::lang::Lang;
use crate::understand::classify::{Classification, Classifier};
use crate::workflow::TicketStatus;

/// The ticket's first reply, chosen by the FAQ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstAnswer {
    pub faq_id: String,
    /// In the complaint's language (zh-CN where the entry has none).
    pub text: String,
}

/// Everything intake decides about a complaint before it is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct IntakeDecision {
    /// The classification of the customer's own text (personal data does not change it).
    pub classification: Classification,
    /// The text as stored and shown: personal data masked.
    pub masked: Masked,
    /// The FAQ's decision over the masked text, and the matches it rests on.
    pub routing: Routing,
    /// The ticket's status after intake (from the state machine).
    pub status: TicketStatus,
    /// The automatic answer or policy acknowledgement, if any.
    pub reply: Option<FirstAnswer>,
    /// `queued` when the ticket goes to a person now, else `none`.
    pub delivery: DeliveryState,
}

impl IntakeDecision {
    pub fn decision(&self) -> Decision {
        self.routing.decision
    }
}

/// Decides what intake does with a complaint `text` in `lang` for a site whose FAQ is `index`
/// under `thresholds`. The text is classified as written, masked, and routed masked (the FAQ never
/// sees a phone number).
pub fn decide(classifier: &Classifier, index: &FaqIndex, text: &str, lang: Lang, thresholds: Thresholds) -> IntakeDecision {
    let classification = classifier.classify(text);
    let masked = mask_pii(text);
    let routing = route(index, classifier.segmenter(), &masked.text, &classification, thresholds);
    let reply = routing.reply.map(|i| {
        let e = &index.pack().entries[i];
        FirstAnswer { faq_id: e.id.clone(), text: e.answer.get_or_default_lang(lang).to_string() }
    });
    let status = routing.decision.status();
    let delivery = DeliveryState::initial(routing.decision.forwards());
    IntakeDecision { classification, masked, routing, status, reply, delivery }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faq::{DEFAULT_PACK, compiled};

    fn index() -> FaqIndex {
        FaqIndex::build(compiled::read(DEFAULT_PACK).expect("default pack"), Classifier::builtin().segmenter())
    }

    #[test]
    fn a_how_to_question_is_answered_and_not_forwarded() {
        let d = decide(Classifier::builtin(), &index(), "退款一般几天到账啊", Lang::ZhCn, Thresholds::default());
        assert_eq!(d.decision(), Decision::Resolve);
        assert_eq!(d.status, TicketStatus::AutoReplied);
        assert_eq!(d.delivery, DeliveryState::None);
        assert_eq!(d.reply.as_ref().map(|r| r.faq_id.as_str()), Some("refund-arrival-time"));
    }

    #[test]
    fn an_urgent_complaint_is_masked_and_goes_to_a_person() {
        let d = decide(Classifier::builtin(), &index(), "饭里有头发，吃完拉肚子了，电话13812345678", Lang::ZhCn, Thresholds::default());
        assert_eq!(d.classification.priority, Some(crate::taxonomy::Priority::P1));
        assert!(d.decision().forwards());
        assert_eq!(d.status, TicketStatus::New);
        assert_eq!(d.delivery, DeliveryState::Queued);
        assert!(!d.masked.text.contains("13812345678"), "{}", d.masked.text);
    }

    #[test]
    fn the_reply_is_in_the_complaints_language() {
        let zh = decide(Classifier::builtin(), &index(), "退款一般几天到账啊", Lang::ZhCn, Thresholds::default());
        let en = decide(Classifier::builtin(), &index(), "退款一般几天到账啊", Lang::En, Thresholds::default());
        assert_eq!(zh.reply.as_ref().map(|r| &r.faq_id), en.reply.as_ref().map(|r| &r.faq_id));
        assert_ne!(zh.reply.map(|r| r.text), en.reply.map(|r| r.text));
    }
}
