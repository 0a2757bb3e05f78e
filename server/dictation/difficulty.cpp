#include "server/dictation/difficulty.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

#include "server/dictation/translation.hpp"

namespace orator::server::dictation {
namespace {

// The most frequent words of each language (folded): what a beginner meets first.
const std::unordered_set<std::string_view>* common_words(std::string_view language) {
  static const std::unordered_set<std::string_view> en = {
      "the", "be", "to", "of", "and", "a", "in", "that", "have", "i", "it", "for", "not", "on", "with", "he", "as", "you",
      "do", "at", "this", "but", "his", "by", "from", "they", "we", "say", "her", "she", "or", "an", "will", "my", "one",
      "all", "would", "there", "their", "what", "so", "up", "out", "if", "about", "who", "get", "which", "go", "me", "when",
      "make", "can", "like", "time", "no", "just", "him", "know", "take", "people", "into", "year", "your", "good", "some",
      "could", "them", "see", "other", "than", "then", "now", "look", "only", "come", "its", "over", "think", "also", "back",
      "after", "use", "two", "how", "our", "work", "first", "well", "way", "even", "new", "want", "because", "any", "these",
      "give", "day", "most", "us", "is", "are", "was", "were", "has", "had", "did", "said", "very", "here", "where", "today",
      "cat", "dog", "home", "house", "water", "book", "man", "woman", "child", "big", "small", "old", "red", "sun", "eat"};
  static const std::unordered_set<std::string_view> es = {
      "de", "la", "que", "el", "en", "y", "a", "los", "se", "del", "las", "un", "por", "con", "no", "una", "su", "para",
      "es", "al", "lo", "como", "más", "o", "pero", "sus", "le", "ha", "me", "si", "sin", "sobre", "este", "ya", "entre",
      "cuando", "todo", "esta", "ser", "son", "dos", "también", "fue", "había", "era", "muy", "años", "hasta", "desde",
      "está", "mi", "porque", "qué", "sólo", "han", "yo", "hay", "vez", "puede", "todos", "así", "nos", "ni", "parte",
      "tiene", "él", "uno", "donde", "bien", "tiempo", "mismo", "ese", "ahora", "cada", "e", "vida", "otro", "después",
      "te", "otros", "aunque", "esa", "casa", "día", "hoy", "agua", "gato", "perro", "hola", "gracias", "buenos", "bueno"};
  static const std::unordered_set<std::string_view> fi = {
      "ja", "on", "ei", "se", "että", "hän", "oli", "ole", "olla", "mutta", "kun", "niin", "kuin", "mitä", "tämä", "minä",
      "sinä", "me", "te", "he", "jos", "vain", "myös", "nyt", "kanssa", "tai", "jo", "sen", "ovat", "mikä", "joka", "kaikki",
      "hyvä", "hyvää", "päivää", "huomenta", "kiitos", "talo", "koira", "kissa", "vesi", "vettä", "päivä", "aika", "mies",
      "nainen", "lapsi", "iso", "pieni", "tänään", "huomenna", "eilen", "missä", "miten", "kuka", "yksi", "kaksi", "kolme",
      "minun", "sinun", "hänen", "meidän", "olen", "olet", "tule", "mene", "syö", "juo", "kirja", "koulu", "työ", "kotona"};
  static const std::unordered_set<std::string_view> fr = {
      "le", "de", "un", "être", "et", "à", "il", "avoir", "ne", "je", "son", "que", "se", "qui", "ce", "dans", "en", "du",
      "elle", "au", "pour", "pas", "plus", "par", "sur", "on", "avec", "tout", "faire", "mais", "nous", "comme", "ou", "si",
      "leur", "y", "dire", "elle", "la", "les", "des", "une", "est", "sont", "a", "ont", "bien", "où", "aussi", "très",
      "maison", "chat", "chien", "eau", "jour", "bonjour", "merci", "aujourd", "hui", "moi", "toi", "vous", "ils", "mon"};
  static const std::unordered_set<std::string_view> de = {
      "der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf", "für", "ist", "im", "dem", "nicht",
      "ein", "eine", "als", "auch", "es", "an", "werden", "aus", "er", "hat", "dass", "sie", "nach", "wird", "bei", "einer",
      "um", "am", "sind", "noch", "wie", "einem", "über", "einen", "so", "zum", "war", "haben", "nur", "oder", "aber",
      "ich", "du", "wir", "ihr", "heute", "haus", "katze", "hund", "wasser", "tag", "guten", "morgen", "danke", "ja", "nein"};
  if (language == "en") return &en;
  if (language == "es") return &es;
  if (language == "fi") return &fi;
  if (language == "fr") return &fr;
  if (language == "de") return &de;
  return nullptr;
}

}  // namespace

int estimate_difficulty(const std::vector<speech::DictationWord>& words, const std::string& locale) {
  if (words.empty()) return 1;
  const auto* common = common_words(language_of(locale));
  double letters = 0, rare = 0;
  for (const auto& w : words) {
    const auto n = speech::code_points(w.key);
    letters += static_cast<double>(n);
    // Without a list for the language, long words stand in for rare ones.
    if (common ? !common->contains(w.key) : n >= 8) rare += 1;
  }
  const double count = static_cast<double>(words.size());
  const double length = std::clamp(std::log2(count / 4.0) / std::log2(60.0 / 4.0), 0.0, 1.0);  // 4 words: 0, 60: 1
  const double word_length = std::clamp((letters / count - 3.5) / 4.5, 0.0, 1.0);            // 3.5 letters: 0, 8: 1
  const double rarity = rare / count;
  const double score = 0.35 * length + 0.3 * word_length + 0.35 * rarity;
  return std::clamp(1 + static_cast<int>(std::lround(score * 4.0)), 1, 5);
}

}  // namespace orator::server::dictation
