//! Native speed of the text pipeline and of FAQ routing: `cargo bench -p qingting-shared`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use qingting_shared::Classifier;
use qingting_shared::faq::{DEFAULT_PACK, FaqIndex, Thresholds, compiled, route};
use qingting_shared::understand::text::normalize;

const TEXTS: [&str; 4] = [
    "骑手送餐太慢了，等了两个小时还没送到，饭全凉了",
    "饭里有头发，吃完拉肚子了，要求退款",
    "外送員態度很差，湯都灑了，等了兩個小時",
    "味道不错，就是送得有点慢",
];

fn bench(c: &mut Criterion) {
    let classifier = Classifier::builtin();
    c.bench_function("normalize", |b| b.iter(|| TEXTS.iter().map(|t| normalize(black_box(t)).len()).sum::<usize>()));
    c.bench_function("segment", |b| {
        let normalized: Vec<String> = TEXTS.iter().map(|t| normalize(t)).collect();
        b.iter(|| normalized.iter().map(|t| classifier.segmenter().cut(black_box(t)).len()).sum::<usize>())
    });
    c.bench_function("classify (4 texts)", |b| b.iter(|| TEXTS.iter().filter(|t| classifier.classify(black_box(t)).complaint).count()));
    // What intake pays: the default index is built once per isolate, a merchant's overlay per request.
    let pack = compiled::read(DEFAULT_PACK).expect("default pack parses");
    c.bench_function("faq index build (default pack)", |b| b.iter(|| FaqIndex::build(black_box(pack.clone()), classifier.segmenter()).pack().entries.len()));
    let index = FaqIndex::build(pack, classifier.segmenter());
    c.bench_function("faq route (4 texts, classified)", |b| {
        let classified: Vec<_> = TEXTS.iter().map(|t| (t, classifier.classify(t))).collect();
        b.iter(|| classified.iter().filter(|(t, c)| route(&index, classifier.segmenter(), black_box(t), c, Thresholds::default()).reply.is_some()).count())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
