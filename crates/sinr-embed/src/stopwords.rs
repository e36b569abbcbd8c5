//! A built-in English stop-word list.
//!
//! The reference drops spaCy's stop words (`is_stop`) by default. This list covers the same
//! ground (function words: determiners, pronouns, auxiliaries, prepositions, conjunctions, common
//! adverbs); it was written for this project, not copied. A user can pass their own list instead.

/// English function words, lowercase, sorted.
pub const ENGLISH: &[&str] = &[
    "a", "about", "above", "across", "after", "afterwards", "again", "against", "all", "almost",
    "alone", "along", "already", "also", "although", "always", "am", "among", "amongst", "an",
    "and", "another", "any", "anyhow", "anyone", "anything", "anyway", "anywhere", "are", "around",
    "as", "at", "back", "be", "became", "because", "become", "becomes", "becoming", "been",
    "before", "beforehand", "behind", "being", "below", "beside", "besides", "between", "beyond",
    "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "down",
    "due", "during", "each", "either", "else", "elsewhere", "enough", "even", "ever", "every",
    "everyone", "everything", "everywhere", "except", "few", "for", "former", "formerly", "from",
    "further", "had", "has", "have", "having", "he", "hence", "her", "here", "hereafter", "hereby",
    "herein", "hereupon", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if",
    "in", "indeed", "into", "is", "it", "its", "itself", "just", "latter", "latterly", "least",
    "less", "many", "may", "me", "meanwhile", "might", "mine", "more", "moreover", "most",
    "mostly", "much", "must", "my", "myself", "namely", "neither", "never", "nevertheless", "next",
    "no", "nobody", "none", "noone", "nor", "not", "nothing", "now", "nowhere", "of", "off",
    "often", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "our",
    "ours", "ourselves", "out", "over", "own", "per", "perhaps", "please", "quite", "rather",
    "really", "same", "several", "she", "should", "since", "so", "some", "somehow", "someone",
    "something", "sometime", "sometimes", "somewhere", "still", "such", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "thence", "there", "thereafter", "thereby",
    "therefore", "therein", "thereupon", "these", "they", "this", "those", "though", "through",
    "throughout", "thru", "thus", "to", "together", "too", "toward", "towards", "under", "unless",
    "until", "up", "upon", "us", "very", "via", "was", "we", "well", "were", "what", "whatever",
    "when", "whence", "whenever", "where", "whereafter", "whereas", "whereby", "wherein",
    "whereupon", "wherever", "whether", "which", "while", "whither", "who", "whoever", "whole",
    "whom", "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your",
    "yours", "yourself", "yourselves",
];

#[cfg(test)]
mod tests {
    #[test]
    fn sorted_lowercase_distinct() {
        for w in super::ENGLISH.windows(2) {
            assert!(w[0] < w[1], "{} !< {}", w[0], w[1]);
        }
        assert!(super::ENGLISH.iter().all(|w| w.chars().all(|c| c.is_lowercase())));
    }
}
